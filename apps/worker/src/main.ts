import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { exitOnSignals, loadConfigOrExit, loadWorkerConfig } from '@tomo/config';
import { WorkerModule } from './app/worker.module';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(() => loadWorkerConfig());
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    bufferLogs: true,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  // SIGTERM/SIGINT close the module tree: processors stop taking jobs and drain first.
  exitOnSignals(app, config.shutdownTimeoutMs, logger);
  await app.init();
  logger.log(`Tomo worker started (concurrency ${config.concurrency})`);
}

void bootstrap();
