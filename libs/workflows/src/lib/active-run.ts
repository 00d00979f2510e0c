import { randomUUID } from 'node:crypto';
import { Interrupt } from './interrupt';
import type { RunFence } from './job-store';
import { LeaseLostError } from './step-errors';

/**
 * One delivery of a job to this process: its cancellation, its leases and its fencing token.
 * A lease is believed only until `sent + duration` of its last confirmed renewal (the time the
 * renewal was *sent*, so never later than Redis lets it run out): a run whose event loop was
 * blocked past that stops before it writes or acts again, even before Redis says so.
 */
export class ActiveRun {
  readonly cancel = new Interrupt();
  readonly fence: RunFence = { token: randomUUID(), previous: null };
  /** The queue's lock on the job; the server/deployment locks' lease (none: Infinity). */
  readonly leases = { queue: 0, locks: Infinity };
  private lostWhy: string | null = null;

  constructor(
    readonly jobId: string,
    queueLeaseUntil: number,
  ) {
    this.leases.queue = queueLeaseUntil;
  }

  get lost(): boolean {
    return this.lostWhy !== null;
  }

  get lostReason(): string | null {
    return this.lostWhy;
  }

  loseLease(why: string): void {
    if (this.lostWhy !== null) return;
    this.lostWhy = why;
    this.cancel.abort(new LeaseLostError(why));
  }

  /** False (and the run stopped) once a lease is past its time. */
  checkLease(now = Date.now()): boolean {
    if (!this.lost && now > Math.min(this.leases.queue, this.leases.locks)) {
      const which =
        this.leases.queue <= this.leases.locks ? "the queue's lock on the job" : 'its server/deployment lock';
      this.loseLease(
        `${which} expired ${now - Math.min(this.leases.queue, this.leases.locks)} ms ago (event loop blocked or Redis unreachable)`,
      );
    }
    return !this.lost;
  }
}
