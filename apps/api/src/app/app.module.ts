import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { LoggerModule } from 'nestjs-pino';
import { type ApiConfig, pinoOptions, TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { MaintenanceWorkflowsModule, PLATFORM_SCHEDULES, SchedulesModule } from '@tomo/schedules';
import { AuthModule } from './auth/auth.module';
import { graphqlContext } from './auth/request-context';
import { DashboardModule } from './dashboard/dashboard.module';
import { DeploymentsApiModule } from './deployments/deployments-api.module';
import { formatGraphqlError } from './graphql/format-graphql-error';
import { TomoExceptionFilter } from './graphql/tomo-exception.filter';
import { JobsModule } from './jobs/jobs.module';
import { MarketplaceApiModule } from './marketplace/marketplace-api.module';
import { NotificationsApiModule } from './notifications/notifications-api.module';
import { SchedulesApiModule } from './schedules/schedules.module';
import { ServersApiModule } from './servers/servers-api.module';
import { SystemModule } from './system/system.module';

@Module({})
export class AppModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TomoConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            ...pinoOptions(config.log, 'api'),
            autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
          },
        }),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('tomo-api'),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: true,
          sortSchema: true,
          playground: false,
          introspection: true,
          subscriptions: { 'graphql-ws': { path: '/graphql' } },
          // HTTP requests and graphql-ws connections (connectionParams.authorization) alike; see AuthGuard.
          context: graphqlContext,
          formatError: formatGraphqlError,
        }),
        SystemModule,
        AuthModule,
        JobsModule,
        MarketplaceApiModule,
        SchedulesModule.forRoot(PLATFORM_SCHEDULES),
        MaintenanceWorkflowsModule,
        SchedulesApiModule,
        ServersApiModule,
        DeploymentsApiModule,
        DashboardModule,
        NotificationsApiModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: TomoExceptionFilter }],
    };
  }
}
