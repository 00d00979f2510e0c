import { type DynamicModule, Module } from '@nestjs/common';
import { loadWorkerConfig, TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { JobKind } from '@tomo/shared';
import { TEST_REDIS_URL, type TestApi } from '@tomo/testing';
import { WorkflowWorkerModule } from '@tomo/workflows';

/**
 * For tests: a worker process's module tree on a test API's database and Redis prefix that
 * runs only the engine's own workflows (system.ping, maintenance.prune-jobs); jobs of other
 * kinds fail on it.
 */
export function engineOnlyWorker(api: TestApi, label: string): DynamicModule {
  const config = loadWorkerConfig(
    {
      DATA_DIR: api.config.dataDir,
      REDIS_URL: TEST_REDIS_URL,
      TOMO_REDIS_PREFIX: api.config.redisPrefix,
      LOG_LEVEL: 'silent',
    },
    false,
  );
  @Module({})
  class EngineOnlyWorkerModule {}
  return {
    module: EngineOnlyWorkerModule,
    imports: [
      TomoConfigModule.forRoot(config),
      DatabaseModule.forRoot(),
      RedisModule.forRoot(label),
      WorkflowWorkerModule.forRoot({ kinds: [JobKind.SystemPing, JobKind.MaintenancePruneJobs] }),
    ],
  };
}
