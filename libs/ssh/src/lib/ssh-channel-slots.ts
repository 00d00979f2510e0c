/** OpenSSH's default MaxSessions; the pool never goes above it, even for urgent channels. */
export const OPENSSH_MAX_SESSIONS = 10;
/** Slots above the limit that only urgent channels (kills) may use. */
const URGENT_RESERVE = 2;

interface Waiter {
  urgent: boolean;
  grant: () => void;
}

/**
 * The channel slots of one connection: at most `limit` channels at once, FIFO for the rest,
 * plus a small reserve above the limit for urgent channels (the kill of a cancelled command
 * must not queue behind the commands it is cancelling).
 */
export class ChannelSlots {
  private inUse = 0;
  private readonly waiters: Waiter[] = [];
  /** Resolved whenever one of our channels closes (to retry an open failure). */
  private closeListeners: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  get active(): number {
    return this.inUse;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /**
   * Takes a slot, waiting in line when there is none; resolves with the seconds waited. The
   * slot is counted synchronously when one is free (callers rely on `active` right after).
   */
  acquire(urgent: boolean): Promise<number> {
    if (this.hasRoom(urgent) && (urgent || this.waiters.length === 0)) {
      this.inUse++;
      return Promise.resolve(0);
    }
    const since = performance.now();
    return new Promise((resolve) => {
      this.waiters.push({
        urgent,
        grant: () => {
          this.inUse++;
          resolve((performance.now() - since) / 1000);
        },
      });
    });
  }

  release(): void {
    this.inUse--;
    const listeners = this.closeListeners;
    this.closeListeners = [];
    for (const l of listeners) l();
    // FIFO, but an urgent waiter may use the reserve even if normal ones must keep waiting.
    while (this.waiters.length > 0) {
      const index = this.waiters.findIndex((w) => this.hasRoom(w.urgent));
      if (index === -1) break;
      const [waiter] = this.waiters.splice(index, 1);
      waiter.grant();
    }
  }

  /** Lets every waiter go (the pool is closing: their open fails on its own). */
  grantAll(): void {
    for (const w of this.waiters.splice(0)) w.grant();
  }

  /** Resolves when one of the channels closes, or after `timeoutMs`. */
  nextChannelClose(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const listeners = this.closeListeners;
      function done(): void {
        clearTimeout(timer);
        const i = listeners.indexOf(done);
        if (i !== -1) listeners.splice(i, 1);
        resolve();
      }
      listeners.push(done);
    });
  }

  private hasRoom(urgent: boolean): boolean {
    const limit = urgent ? Math.min(OPENSSH_MAX_SESSIONS, this.limit + URGENT_RESERVE) : this.limit;
    return this.inUse < limit;
  }
}
