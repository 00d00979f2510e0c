import { Module } from '@nestjs/common';
import { DeploymentsModule } from '@tomo/deployments';
import { AuthenticationModule } from '@tomo/identity';
import { MarketplaceWorkflowsModule } from '@tomo/marketplace';
import { NotificationsModule } from '@tomo/notifications';
import { ServersModule } from '@tomo/servers';
import { WorkflowsModule } from '@tomo/workflows';
import { DashboardModule } from '../dashboard/dashboard.module';
import { SettingsApiModule } from '../settings/settings-api.module';
import { McpController } from './mcp.controller';
import { McpServerFactory } from './mcp-server.factory';
import { McpToolRegistry } from './mcp-tool-registry';
import { DeploymentTools } from './tools/deployment.tools';
import { JobTools } from './tools/job.tools';
import { MarketplaceTools } from './tools/marketplace.tools';
import { NotificationTools } from './tools/notification.tools';
import { ServerTools } from './tools/server.tools';
import { SystemTools } from './tools/system.tools';

/** The agents' door: MCP at `/mcp`, each tool a few lines over the services the GraphQL resolvers call. */
@Module({
  imports: [
    AuthenticationModule,
    ServersModule,
    DeploymentsModule,
    MarketplaceWorkflowsModule,
    WorkflowsModule,
    NotificationsModule,
    DashboardModule,
    SettingsApiModule,
  ],
  controllers: [McpController],
  providers: [
    McpToolRegistry,
    McpServerFactory,
    ServerTools,
    DeploymentTools,
    MarketplaceTools,
    JobTools,
    SystemTools,
    NotificationTools,
  ],
})
export class McpModule {}
