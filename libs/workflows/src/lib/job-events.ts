import type { Redis } from 'ioredis';
import type { JobStatus } from '@tomo/shared';
import type { JobEventRecord } from './job-store';

/** A stored event as it travels over pub/sub (dates as ISO strings). */
export interface JobEventMessage {
  jobId: string;
  seq: number;
  type: string;
  step: string | null;
  message: string;
  status: JobStatus;
  at: string;
}

export function fromEventMessage(message: JobEventMessage): JobEventRecord {
  return { ...message, at: new Date(message.at) };
}

/**
 * Publishes stored events on the events channel. Publishing happens only after the DB commit
 * (subscribers that miss a message find the event in the DB), and everything committed within
 * one tick of the event loop leaves in one PUBLISH: the step loop never waits for Redis.
 */
export class JobEventPublisher {
  /** Serialised as JobEventMessage: JSON writes each Date as its ISO string. */
  private pending: JobEventRecord[] = [];
  private scheduled = false;
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  publish(events: readonly JobEventRecord[]): void {
    if (events.length === 0) return;
    for (const event of events) this.pending.push(event);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Resolves once everything published so far has reached Redis. */
  async drain(): Promise<void> {
    if (this.scheduled) await new Promise((resolve) => setImmediate(resolve));
    await this.inFlight;
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.inFlight = this.redis.publish(this.channel, JSON.stringify(batch)).catch(this.onError);
  }
}
