/**
 * A real worker process with the deployments workflows, for the crash test:
 * `node -r @swc-node/register deployments-test-worker.main.ts` with the worker environment.
 * Tells its parent "ready" over IPC once it takes jobs.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadWorkerConfig } from '@tomo/config';
import { DeploymentsTestRootModule } from './deployments-test-module';

async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env, false);
  const app = await NestFactory.createApplicationContext(DeploymentsTestRootModule.forRoot(config, { worker: true }), {
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  await app.init();
  process.send?.('ready');
}

void main();
