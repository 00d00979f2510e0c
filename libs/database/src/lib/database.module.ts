import {
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Database } from 'better-sqlite3';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { dataSourceOptions, SQLITE_BUSY_TIMEOUT_MS } from './data-source-options';
import { DatabaseBackup } from './database-backup';
import { SAFETY_NET_AUTOCHECKPOINT_PAGES, SqliteCheckpointer } from './sqlite-checkpointer';

export interface DatabaseModuleOptions {
  /**
   * Wait until no migration is pending before the process goes on (workers: the API applies
   * migrations, and a worker started first must not touch tables that do not exist yet).
   */
  waitForMigrations?: boolean;
}

const MIGRATION_POLL_MS = 1_000;
const MIGRATION_REPORT_EVERY = 10;

async function untilMigrated(dataSource: DataSource): Promise<void> {
  for (let polls = 0; await dataSource.showMigrations(); polls++) {
    // Straight to stderr: Nest buffers its logger's output until the module tree is up.
    if (polls % MIGRATION_REPORT_EVERY === 0) {
      process.stderr.write('Waiting for the API to apply pending database migrations…\n');
    }
    await new Promise((resolve) => setTimeout(resolve, MIGRATION_POLL_MS));
  }
}

const CHECKPOINT_INTERVAL_MS = 100;

/** On SQLite: WAL checkpoints on a thread of their own while the process runs (see SqliteCheckpointer). */
@Injectable()
export class SqliteWalCheckpoints implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SqliteWalCheckpoints.name);
  private checkpointer: SqliteCheckpointer | null = null;

  constructor(
    @Inject(TOMO_CONFIG) private readonly config: CommonConfig,
    private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.database.type !== 'sqlite') return;
    const connection = (this.dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
    connection.pragma(`wal_autocheckpoint = ${SAFETY_NET_AUTOCHECKPOINT_PAGES}`);
    this.checkpointer = SqliteCheckpointer.start({
      path: this.config.database.path,
      intervalMs: CHECKPOINT_INTERVAL_MS,
      busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS,
      onError: (message) => this.logger.warn(`WAL checkpoint failed (the next one retries): ${message}`),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.checkpointer?.stop();
  }
}

@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions = {}): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [TOMO_CONFIG],
          useFactory: (config: CommonConfig) => ({
            ...dataSourceOptions(config.database),
            autoLoadEntities: true,
          }),
          dataSourceFactory: async (typeormOptions?: DataSourceOptions) => {
            if (!typeormOptions) throw new Error('DatabaseModule: no data source options');
            const dataSource = await new DataSource(typeormOptions).initialize();
            if (options.waitForMigrations) await untilMigrated(dataSource);
            return dataSource;
          },
        }),
      ],
      providers: [SqliteWalCheckpoints, DatabaseBackup],
      exports: [DatabaseBackup],
    };
  }
}
