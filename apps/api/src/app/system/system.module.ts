import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthenticationModule } from '@tomo/identity';
import { WorkflowsModule } from '@tomo/workflows';
import { GraphqlMetricsPlugin } from './graphql-metrics.plugin';
import { HealthController } from './health.controller';
import { MetricsController, MetricsRegistry } from './metrics.controller';
import { QueueInspector } from './queue-inspector';
import { QueueMetrics } from './queue-metrics';
import { VersionResolver } from './version.resolver';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), WorkflowsModule, AuthenticationModule],
  controllers: [HealthController, MetricsController],
  providers: [VersionResolver, MetricsRegistry, GraphqlMetricsPlugin, QueueMetrics, QueueInspector],
  exports: [MetricsRegistry],
})
export class SystemModule {}
