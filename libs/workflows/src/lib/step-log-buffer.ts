import { JobEventType } from './job-event-type';
import type { NewEvent } from './job-store';

const MAX_LINE_LENGTH = 4_000;

/**
 * Collects a step's `ctx.log()` lines and writes them as timeline events in batches: on a
 * timer, when the batch is full, and (whatever is left) together with the step's own outcome.
 */
export class StepLogBuffer {
  private lines: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly step: string,
    private readonly write: (events: NewEvent[]) => Promise<void>,
    private readonly flushMs: number,
    private readonly maxBatch: number,
  ) {}

  readonly add = (line: string): void => {
    if (this.closed) return;
    for (const part of String(line).split(/\r?\n/)) {
      if (part === '') continue;
      this.lines.push(part.length > MAX_LINE_LENGTH ? `${part.slice(0, MAX_LINE_LENGTH)}…` : part);
    }
    if (this.lines.length >= this.maxBatch) this.flush();
    else if (!this.timer && this.lines.length > 0) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  };

  /** Stops buffering; returns the lines not yet written, for the step's closing commit. */
  async close(): Promise<NewEvent[]> {
    this.closed = true;
    this.clearTimer();
    await this.flushing;
    return this.take();
  }

  private flush(): void {
    this.clearTimer();
    const batch = this.take();
    if (batch.length === 0) return;
    this.flushing = this.flushing.then(() => this.write(batch));
  }

  private take(): NewEvent[] {
    const events = this.lines.map((message) => ({ type: JobEventType.StepLog, step: this.step, message }));
    this.lines = [];
    return events;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
