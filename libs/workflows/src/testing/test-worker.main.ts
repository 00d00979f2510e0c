/**
 * A real worker process running the test workflows, for the crash and scale-out tests:
 * `node -r @swc-node/register test-worker.main.ts` with the worker environment variables.
 * Tells its parent "ready" over IPC once it takes jobs.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadWorkerConfig } from '@tomo/config';
import { WorkflowTestRootModule } from './test-workflows';

async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env, false);
  const app = await NestFactory.createApplicationContext(WorkflowTestRootModule.forRoot(config, { worker: true }), {
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  await app.init();
  process.send?.('ready');
}

void main();
