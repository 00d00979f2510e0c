import { ErrorCode, TomoException } from '@tomo/shared';

/** Items a queue holds for a consumer that has not taken them yet, by default, before it gives up on it. */
export const DEFAULT_ASYNC_QUEUE_LIMIT = 1_000;

export interface AsyncQueueOptions {
  /** Most items held for the consumer; one more ends the queue with `overflow()`. */
  limit?: number;
  /** The error a consumer that fell behind gets (it replaces what was still held). */
  overflow?: (limit: number) => Error;
}

/**
 * A push-based async iterator, as GraphQL subscriptions consume them. Unlike an async
 * generator, `return()` ends it at once even while a consumer is waiting for the next value.
 * It holds at most `limit` items for a slow consumer: a subscriber that cannot keep up ends
 * with a clear error instead of growing the process's memory without bound.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiters: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }[] = [];
  private drainWaiters: (() => void)[] = [];
  private ended = false;
  private failure: { error: unknown } | null = null;
  private readonly limit: number;
  private readonly overflow: (limit: number) => Error;

  constructor(
    private readonly onClose: () => void = () => undefined,
    options: AsyncQueueOptions = {},
  ) {
    this.limit = options.limit ?? DEFAULT_ASYNC_QUEUE_LIMIT;
    this.overflow = options.overflow ?? tooSlow;
  }

  get closed(): boolean {
    return this.ended;
  }

  push(item: T): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.resolve({ value: item, done: false });
    } else if (this.items.length >= this.limit) {
      this.items.length = 0;
      this.fail(this.overflow(this.limit));
    } else {
      this.items.push(item);
    }
  }

  /** Resolves once the consumer took every item held (or the queue ended): for producers that can wait. */
  drained(): Promise<void> {
    if (this.items.length === 0 || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Ends the iterator after the items already pushed. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const waiter of this.waiters.splice(0)) waiter.resolve({ value: undefined, done: true });
    this.wakeDrainWaiters();
    this.onClose();
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.failure = { error };
    this.ended = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    this.wakeDrainWaiters();
    this.onClose();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) {
      const value = this.items.shift() as T;
      if (this.items.length === 0) this.wakeDrainWaiters();
      return Promise.resolve({ value, done: false });
    }
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * A TomoException that ends a subscription stream. graphql-ws reports such an error with the
 * `extensions` of the error thrown (no exception filter sees it), so it carries its code there.
 */
export class StreamEndedError extends TomoException {
  readonly extensions: { code: ErrorCode };

  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.extensions = { code };
  }
}

function tooSlow(limit: number): Error {
  return new StreamEndedError(
    ErrorCode.RateLimited,
    `This subscription fell behind: more than ${limit} updates waited to be sent to it, so it was ended; subscribe again`,
  );
}
