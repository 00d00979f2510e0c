import type { IncomingMessage } from 'node:http';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Inject, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { execute, subscribe } from 'graphql';
import { LoggerModule } from 'nestjs-pino';
import { type ApiConfig, pinoOptions, TOMO_CONFIG, TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { MaintenanceWorkflowsModule, SchedulesModule } from '@tomo/schedules';
import { GRAPHQL_PATH } from '@tomo/shared';
import { AuthModule } from './auth/auth.module';
import { recordClientAddress, trustedProxies } from './auth/client-address';
import { graphqlContext } from './auth/request-context';
import { DashboardModule } from './dashboard/dashboard.module';
import { DeploymentsApiModule } from './deployments/deployments-api.module';
import { formatGraphqlError } from './graphql/format-graphql-error';
import { noStorePlugins } from './graphql/no-store.plugin';
import { graphqlWsLimits, LIMIT_VALIDATION_RULES, operationLimitsPlugin } from './graphql/operation-limits';
import { SchemaController } from './graphql/schema.controller';
import { TomoExceptionFilter } from './graphql/tomo-exception.filter';
import { WebSocketFrameLimit } from './graphql/websocket-frame-limit';
import { JobsModule } from './jobs/jobs.module';
import { MarketplaceApiModule } from './marketplace/marketplace-api.module';
import { McpModule } from './mcp/mcp.module';
import { NotificationsApiModule } from './notifications/notifications-api.module';
import { PLATFORM_SCHEDULES } from '@tomo/platform';
import { SchedulesApiModule } from './schedules/schedules.module';
import { ServersApiModule } from './servers/servers-api.module';
import { SettingsApiModule } from './settings/settings-api.module';
import { SystemModule } from './system/system.module';

@Module({})
export class AppModule implements NestModule {
  constructor(@Inject(TOMO_CONFIG) private readonly config: ApiConfig) {}

  /** Every HTTP request learns its client address once (TRUSTED_PROXIES). */
  configure(consumer: MiddlewareConsumer): void {
    const trusted = trustedProxies(this.config.trustedProxies);
    consumer
      .apply((req: IncomingMessage, _res: unknown, next: () => void) => {
        recordClientAddress(req, trusted);
        next();
      })
      .forRoutes('{*path}');
  }

  static forRoot(config: ApiConfig): DynamicModule {
    const trusted = trustedProxies(config.trustedProxies);
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
          introspection: config.graphqlIntrospection,
          path: GRAPHQL_PATH,
          // Cost limits (graphql/operation-limits.ts), the same on both transports.
          validationRules: [...LIMIT_VALIDATION_RULES],
          plugins: [operationLimitsPlugin(), ...noStorePlugins()],
          subscriptions: {
            'graphql-ws': {
              path: GRAPHQL_PATH,
              onConnect: ({ extra }: { extra: unknown }) =>
                recordClientAddress((extra as { request: IncomingMessage }).request, trusted),
              ...graphqlWsLimits({
                introspection: config.graphqlIntrospection,
                format: (error) => formatGraphqlError(error.toJSON(), error),
                execute,
                subscribe,
              }),
            },
          },
          // HTTP requests and graphql-ws connections (connectionParams.authorization or the console's
          // cookie with a same-origin Origin) alike; see AuthGuard.
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
        SettingsApiModule,
        McpModule,
        NotificationsApiModule,
      ],
      controllers: [SchemaController],
      providers: [{ provide: APP_FILTER, useClass: TomoExceptionFilter }, WebSocketFrameLimit],
    };
  }
}
