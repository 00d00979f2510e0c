import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { pinoOptions, TomoConfigModule, type WorkerConfig } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { DeploymentNotificationsModule, DeploymentsModule } from '@tomo/deployments';
import { IdentityWorkflowsModule } from '@tomo/identity';
import { MarketplaceWorkflowsModule } from '@tomo/marketplace';
import { NotificationsModule, ServerNotificationsModule } from '@tomo/notifications';
import { RedisModule } from '@tomo/redis';
import { MaintenanceWorkflowsModule, SchedulesWorkerModule } from '@tomo/schedules';
import { SecretsModule } from '@tomo/secrets';
import { ServerShellModule } from '@tomo/server-shell';
import { WorkflowWorkerModule } from '@tomo/workflows';
import { PLATFORM_SCHEDULES } from '@tomo/platform';
import { WorkerMetricsModule } from './worker-metrics';

@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        TomoConfigModule.forRoot(config),
        LoggerModule.forRoot({ pinoHttp: pinoOptions(config.log, 'worker') }),
        DatabaseModule.forRoot({ waitForMigrations: true }),
        RedisModule.forRoot('tomo-worker'),
        WorkflowWorkerModule.forRoot(),
        MarketplaceWorkflowsModule,
        IdentityWorkflowsModule,
        SecretsModule,
        ServerShellModule,
        DeploymentsModule,
        NotificationsModule,
        ServerNotificationsModule,
        DeploymentNotificationsModule,
        SchedulesWorkerModule.forRoot(PLATFORM_SCHEDULES),
        MaintenanceWorkflowsModule,
        WorkerMetricsModule,
      ],
    };
  }
}
