export { COLLECT_SERVER_METRICS_SCHEDULE } from './lib/collect-metrics.workflow';
export { ServerMetricEntity } from './lib/entities/server-metric.entity';
export { ServerEntity } from './lib/entities/server.entity';
export { type MetricValues, ServerMetricsStore } from './lib/server-metrics.store';
export { ServerShell } from './lib/server-shell';
export { ServerAuthType, ServerStatus } from './lib/server-status';
export { ServersModule, ServersWorkerModule } from './lib/servers.module';
export { ServersService } from './lib/servers.service';
