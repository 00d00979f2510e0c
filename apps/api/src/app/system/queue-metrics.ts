import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { WORKFLOW_QUEUE, type WorkflowJobData } from '@tomo/workflows';
import { MetricsRegistry } from './metrics.controller';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed'] as const;

/** `tomo_queue_jobs{queue,state}`: read from Redis at each scrape, so every API replica reports the same. */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  constructor(
    private readonly registry: MetricsRegistry,
    @Inject(WORKFLOW_QUEUE) private readonly queue: Queue<WorkflowJobData>,
  ) {}

  onModuleInit(): void {
    const queue = this.queue;
    new Gauge({
      name: 'tomo_queue_jobs',
      help: 'BullMQ jobs by queue and state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        const counts = await queue.getJobCounts(...STATES);
        for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      },
    });
  }
}
