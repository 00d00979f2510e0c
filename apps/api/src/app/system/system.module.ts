import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { WorkflowsModule } from '@tomo/workflows';
import { GraphqlMetricsPlugin } from './graphql-metrics.plugin';
import { HealthController } from './health.controller';
import { MetricsController, MetricsRegistry } from './metrics.controller';
import { QueueMetrics } from './queue-metrics';
import { VersionResolver } from './version.resolver';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), WorkflowsModule],
  controllers: [HealthController, MetricsController],
  providers: [VersionResolver, MetricsRegistry, GraphqlMetricsPlugin, QueueMetrics],
  exports: [MetricsRegistry],
})
export class SystemModule {}
