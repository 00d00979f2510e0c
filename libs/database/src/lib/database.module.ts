import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { dataSourceOptions } from './data-source-options';

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
    };
  }
}
