import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { Public } from '../auth/access.decorator';

/** The API's Prometheus registry; feature modules register their own metrics on it. */
@Injectable()
export class MetricsRegistry extends Registry {
  constructor() {
    super();
    collectDefaultMetrics({ register: this, prefix: 'tomo_api_' });
  }
}

/** Public like most Prometheus endpoints: it holds process and queue figures, no secrets or user data. */
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
