import { ServerMetricEntity } from './server-metric.entity';
import { ServerEntity } from './server.entity';

export { RAW_SAMPLE, ServerMetricEntity } from './server-metric.entity';
export { ServerEntity } from './server.entity';

export const SERVER_ENTITIES = [ServerEntity, ServerMetricEntity];
