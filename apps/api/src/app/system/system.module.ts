import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { MetricsController, MetricsRegistry } from './metrics.controller';
import { VersionResolver } from './version.resolver';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [VersionResolver, MetricsRegistry],
  exports: [MetricsRegistry],
})
export class SystemModule {}
