import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { JobKind, JobStatus } from '@tomo/shared';
import { SshModule } from '@tomo/ssh';
import { createWorkflowTestEnv, waitFor, type WorkflowTestEnv } from '@tomo/testing';
import { JobsService, WorkflowWorkerModule } from '@tomo/workflows';
import { WorkerMetrics, WorkerMetricsModule } from './worker-metrics';

/** The value of one sample line, e.g. `tomo_jobs_total{kind="system.ping",status="SUCCEEDED"}`. */
function sample(scrape: string, series: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("a worker's GET /metrics", () => {
  let env: WorkflowTestEnv;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    env = await createWorkflowTestEnv({ METRICS_PORT: '0' });
    @Module({
      imports: [
        TomoConfigModule.forRoot(env.config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('metrics-test-worker'),
        SshModule.forRoot(),
        WorkflowWorkerModule.forRoot({
          kinds: [JobKind.SystemPing, JobKind.MaintenancePruneJobs],
        }),
        WorkerMetricsModule,
      ],
    })
    class MetricsWorkerModule {}
    worker = await NestFactory.createApplicationContext(MetricsWorkerModule, {
      logger: false,
    });
    await worker.init();
  });

  afterAll(async () => {
    await worker?.close();
    await env?.cleanup();
  });

  it('reports jobs by kind and status, step durations, SSH figures and event-loop lag after a workflow', async () => {
    const jobs = worker.get(JobsService);
    const job = await jobs.create(JobKind.SystemPing, {}, { requestedBy: 'test' });
    await waitFor(async () => (await jobs.get(job.id)).status === JobStatus.Succeeded, 'the ping job', 20_000);

    const scrape = await (await fetch(`http://127.0.0.1:${worker.get(WorkerMetrics).port}/metrics`)).text();
    expect(sample(scrape, 'tomo_jobs_total{kind="system.ping",status="SUCCEEDED"}')).toBe(1);
    expect(
      sample(scrape, 'tomo_job_step_duration_seconds_count{kind="system.ping",step="pong",status="SUCCEEDED"}'),
    ).toBe(1);
    expect(sample(scrape, 'tomo_ssh_connections')).toBe(0);
    expect(sample(scrape, 'tomo_ssh_channel_wait_seconds_count')).toBe(0);
    expect(sample(scrape, 'tomo_worker_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect((await fetch(`http://127.0.0.1:${worker.get(WorkerMetrics).port}/other`)).status).toBe(404);
  });
});
