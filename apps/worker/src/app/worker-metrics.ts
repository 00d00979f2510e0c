import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TOMO_CONFIG, type WorkerConfig } from '@tomo/config';
import { SshConnectionPool } from '@tomo/ssh';
import { WorkflowRegistry, WorkflowsModule } from '@tomo/workflows';

/** Step durations from a no-op step (ms) to a long image pull (minutes). */
const STEP_BUCKETS = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600];
const CHANNEL_WAIT_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30];

/**
 * The worker's figures for Prometheus, served by each worker on its own port (METRICS_PORT,
 * `GET /metrics`): jobs by kind and final status, step durations, SSH connections and channel
 * waits, and Node's process metrics (event-loop lag among them). A port per worker keeps each
 * process's counters its own; Prometheus sums them across targets.
 */
@Injectable()
export class WorkerMetrics implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  readonly registry = new Registry();
  private readonly logger = new Logger(WorkerMetrics.name);
  private server: Server | null = null;

  constructor(
    @Inject(TOMO_CONFIG) private readonly config: WorkerConfig,
    private readonly workflows: WorkflowRegistry,
    @Optional()
    @Inject(SshConnectionPool)
    private readonly ssh: SshConnectionPool | null,
  ) {}

  onModuleInit(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'tomo_worker_' });
    const jobs = new Counter({
      name: 'tomo_jobs_total',
      help: 'Jobs that reached a final status in this worker',
      labelNames: ['kind', 'status'],
      registers: [this.registry],
    });
    const steps = new Histogram({
      name: 'tomo_job_step_duration_seconds',
      help: 'Duration of step attempts (status: SUCCEEDED, SKIPPED, FAILED, CANCELLED, WAITING = will be retried)',
      labelNames: ['kind', 'step', 'status'],
      buckets: STEP_BUCKETS,
      registers: [this.registry],
    });
    this.workflows.observe({
      jobFinished: (event) => jobs.inc({ kind: event.kind, status: event.status }),
      stepFinished: (event) =>
        steps.observe({ kind: event.kind, step: event.step, status: event.status }, event.durationMs / 1000),
    });
    const ssh = this.ssh;
    if (ssh) {
      new Gauge({
        name: 'tomo_ssh_connections',
        help: 'SSH connections open in this worker',
        registers: [this.registry],
        collect() {
          this.set(ssh.openConnections);
        },
      });
      const wait = new Histogram({
        name: 'tomo_ssh_channel_wait_seconds',
        help: 'How long a remote command waited for a free channel on its server connection',
        buckets: CHANNEL_WAIT_BUCKETS,
        registers: [this.registry],
      });
      ssh.onChannelWait((seconds) => wait.observe(seconds));
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.metrics.port, this.config.metrics.host, resolve);
    });
    this.logger.log(`Metrics on http://${this.config.metrics.host}:${this.port}/metrics`);
  }

  /** The bound port (METRICS_PORT=0 picks one). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

@Module({
  imports: [WorkflowsModule],
  providers: [WorkerMetrics],
  exports: [WorkerMetrics],
})
export class WorkerMetricsModule {}
