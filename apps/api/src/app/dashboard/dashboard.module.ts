import { Module } from '@nestjs/common';
import { DeploymentsModule } from '@tomo/deployments';
import { ServersModule } from '@tomo/servers';
import { WorkflowsModule } from '@tomo/workflows';
import { DashboardResolver } from './dashboard.resolver';

/** The `dashboard` query: read-only figures over servers, deployments, jobs and metrics. */
@Module({
  imports: [ServersModule, DeploymentsModule, WorkflowsModule],
  providers: [DashboardResolver],
  // The MCP door's get_dashboard_metrics reads the same overview.
  exports: [DashboardResolver],
})
export class DashboardModule {}
