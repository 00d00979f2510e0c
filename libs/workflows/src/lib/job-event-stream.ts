import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { AsyncQueue, createRedisConnection, DEFAULT_ASYNC_QUEUE_LIMIT, StreamEndedError } from '@tomo/redis';
import { ErrorCode, isFinishedJobStatus, notFound } from '@tomo/shared';
import { JobEventType, TERMINAL_EVENT_TYPES } from './job-event-type';
import { fromEventMessage, type JobEventMessage } from './job-events';
import { type JobEventRecord, type JobRow, JobStore } from './job-store';
import { workflowKeys } from './redis-keys';

const REPLAY_PAGE = 500;
/** Events held for one subscriber (sent or not) before a subscriber that cannot keep up is ended. */
export const MAX_BUFFERED_JOB_EVENTS = DEFAULT_ASYNC_QUEUE_LIMIT;

type Listener = (events: JobEventRecord[]) => void;

/**
 * The live side of job timelines, for the API: one Redis subscriber per process fans the
 * events channel out to GraphQL subscriptions. A subscriber listens first, then replays what
 * it missed from the DB, then goes live skipping seqs it already sent; a jump in seqs (a lost
 * message, or two processes publishing out of order) is filled from the DB. So nothing is
 * lost or duplicated across the switch.
 */
@Injectable()
export class JobEventStream implements OnApplicationShutdown {
  private readonly logger = new Logger(JobEventStream.name);
  private readonly listeners = new Set<Listener>();
  private readonly updateQueues = new Set<AsyncQueue<JobRow>>();
  private subscriber: Redis | null = null;
  private connecting: Promise<void> | null = null;

  constructor(
    @Inject(TOMO_CONFIG) private readonly config: CommonConfig,
    private readonly store: JobStore,
  ) {}

  /**
   * The timeline of one job after `afterSeq`, then live; ends after the job's final event.
   * Replay from the DB waits for the subscriber; live events cannot wait, so a subscriber more
   * than MAX_BUFFERED_JOB_EVENTS behind is ended with RATE_LIMITED, telling it where to resume.
   */
  async events(jobId: string, afterSeq = 0): Promise<AsyncIterableIterator<JobEventRecord>> {
    if (!(await this.store.loadJob(jobId))) throw notFound('Job', jobId);
    const live: JobEventRecord[][] = [];
    let liveCount = 0;
    let wake: (() => void) | null = null;
    const tooSlow = () =>
      new StreamEndedError(
        ErrorCode.RateLimited,
        `This subscription fell behind job ${jobId} by more than ${MAX_BUFFERED_JOB_EVENTS} events and was ended; subscribe again with afterSeq set to the last seq you received`,
      );
    const unlisten = await this.listen((events) => {
      const mine = events.filter((event) => event.jobId === jobId);
      if (mine.length === 0) return;
      live.push(mine);
      liveCount += mine.length;
      if (liveCount > MAX_BUFFERED_JOB_EVENTS) out.fail(tooSlow());
      wake?.();
    });
    const out = new AsyncQueue<JobEventRecord>(
      () => {
        unlisten();
        wake?.();
      },
      { limit: MAX_BUFFERED_JOB_EVENTS, overflow: tooSlow },
    );
    let last = afterSeq;
    /** Sends events in seq order from `last` on; stops at a gap in the seqs or after the final event. */
    const send = (events: JobEventRecord[]): 'sent' | 'gap' | 'final' => {
      for (const event of events) {
        if (event.seq <= last) continue;
        if (event.seq > last + 1) return 'gap';
        out.push(event);
        last = event.seq;
        if (TERMINAL_EVENT_TYPES.has(event.type)) return 'final';
      }
      return 'sent';
    };
    /** Everything after `last` from the DB; true once the final event went out. */
    const replay = async (): Promise<boolean> => {
      for (;;) {
        const page = await this.store.eventsAfter(jobId, last, REPLAY_PAGE);
        if (send(page) === 'final') return true;
        if (page.length < REPLAY_PAGE || out.closed) return false;
        // The DB can wait for the subscriber: the next page once it took this one.
        await out.drained();
      }
    };
    const pump = async () => {
      if (await replay()) return;
      const job = await this.store.loadJob(jobId);
      if (!job || (isFinishedJobStatus(job.status) && job.lastEventSeq <= last)) return;
      while (!out.closed) {
        const batch = live.shift();
        if (batch) liveCount -= batch.length;
        if (!batch) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          continue;
        }
        let outcome = send(batch);
        if (outcome === 'gap') {
          // An event in between was not received (yet): the DB has it, since events are stored first.
          if (await replay()) return;
          outcome = send(batch);
        }
        if (outcome === 'final') return;
      }
    };
    pump().then(
      () => out.end(),
      (error: unknown) => out.fail(error),
    );
    return out;
  }

  /** Jobs whose state changed (any event but log lines), as rows read after the change. */
  async updates(): Promise<AsyncIterableIterator<JobRow>> {
    const queue = new AsyncQueue<JobRow>(() => {
      this.updateQueues.delete(queue);
      if (this.updateQueues.size === 0) this.unlistenUpdates?.();
    });
    if (this.updateQueues.size === 0) {
      this.unlistenUpdates = await this.listen((events) => void this.loadUpdates(events));
    }
    this.updateQueues.add(queue);
    return queue;
  }

  private unlistenUpdates: (() => void) | null = null;

  private async loadUpdates(events: JobEventRecord[]): Promise<void> {
    const ids = [...new Set(events.filter((e) => e.type !== JobEventType.StepLog).map((e) => e.jobId))];
    for (const id of ids) {
      try {
        const job = await this.store.loadJob(id);
        if (job) for (const queue of this.updateQueues) queue.push(job);
      } catch (error) {
        this.logger.warn(`Could not load job ${id} for jobUpdated: ${(error as Error).message}`);
      }
    }
  }

  private async listen(listener: Listener): Promise<() => void> {
    await this.connect();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      const channel = workflowKeys(this.config.redisPrefix).eventsChannel;
      const subscriber = createRedisConnection(this.config.redisUrl, 'tomo-job-events');
      this.subscriber = subscriber;
      subscriber.on('message', (from: string, payload: string) => {
        if (from !== channel) return;
        let events: JobEventRecord[];
        try {
          events = (JSON.parse(payload) as JobEventMessage[]).map(fromEventMessage);
        } catch {
          return;
        }
        for (const listener of this.listeners) listener(events);
      });
      await subscriber.subscribe(channel);
    })();
    return this.connecting;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const queue of this.updateQueues) queue.end();
    await this.subscriber?.quit().catch(() => undefined);
  }
}
