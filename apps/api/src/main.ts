import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { exitOnSignals, loadApiConfig, loadConfigOrExit } from '@tomo/config';
import { runPendingMigrations } from '@tomo/database';
import { MarketplaceService } from '@tomo/marketplace';
import { AppModule } from './app/app.module';
import { serveConsole } from './app/console/serve-console';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(() => loadApiConfig());
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  // SIGTERM/SIGINT: stop accepting requests, end subscriptions, close Redis and the database, exit 0.
  exitOnSignals(app, config.shutdownTimeoutMs, logger);

  // The API owns the schema: pending migrations run before it accepts requests (one replica at a time).
  const migrations = await runPendingMigrations(app.get(DataSource));
  if (migrations.length > 0) {
    logger.log(`Applied migrations: ${migrations.map((m) => m.name).join(', ')}`);
  }
  // The catalog shipped with this version: added or updated before the first request sees the apps.
  await app.get(MarketplaceService).loadBuiltInCatalog();
  // Tokens an older version stored inside repository URLs move to their encrypted column.
  await app.get(MarketplaceService).secureStoredCredentials();

  serveConsole(app, config.webDistDir, logger);
  await app.listen(config.port, config.host);
  logger.log(`Tomo API listening on http://${config.host}:${config.port}`);
}

void bootstrap();
