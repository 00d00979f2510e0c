import { ErrorCode } from '@tomo/shared';
import { AsyncQueue, DEFAULT_ASYNC_QUEUE_LIMIT } from './async-queue';

describe('AsyncQueue', () => {
  it('hands out pushed items in order, to waiting and later consumers alike', async () => {
    const queue = new AsyncQueue<number>();
    const first = queue.next();
    queue.push(1);
    queue.push(2);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
  });

  it('return() ends a consumer that is waiting, and calls onClose once', async () => {
    const onClose = jest.fn();
    const queue = new AsyncQueue<number>(onClose);
    const waiting = queue.next();
    await queue.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    queue.end();
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('fail() rejects waiting consumers', async () => {
    const queue = new AsyncQueue<number>();
    const waiting = queue.next();
    queue.fail(new Error('db down'));
    await expect(waiting).rejects.toThrow('db down');
  });

  it('holds at most `limit` items for a slow consumer, then drops them and ends with a clear error', async () => {
    const onClose = jest.fn();
    const queue = new AsyncQueue<number>(onClose, { limit: 3 });
    for (let i = 1; i <= 3; i++) queue.push(i);
    expect(queue.closed).toBe(false);
    queue.push(4);
    expect(queue.closed).toBe(true);
    expect(onClose).toHaveBeenCalledTimes(1);
    await expect(queue.next()).rejects.toMatchObject({
      code: ErrorCode.RateLimited,
      extensions: { code: ErrorCode.RateLimited },
      message: expect.stringContaining('more than 3 updates waited'),
    });
  });

  it('is bounded by default, and a consumer that keeps up is never cut off', async () => {
    const queue = new AsyncQueue<number>();
    for (let i = 0; i < DEFAULT_ASYNC_QUEUE_LIMIT * 3; i++) {
      queue.push(i);
      expect(await queue.next()).toEqual({ value: i, done: false });
    }
    for (let i = 0; i <= DEFAULT_ASYNC_QUEUE_LIMIT; i++) queue.push(i);
    await expect(queue.next()).rejects.toMatchObject({ code: ErrorCode.RateLimited });
  });

  it('drained() resolves once the consumer took everything held, or the queue ended', async () => {
    const queue = new AsyncQueue<number>();
    await queue.drained();
    queue.push(1);
    queue.push(2);
    let drained = false;
    const waiting = queue.drained().then(() => (drained = true));
    await queue.next();
    await Promise.resolve();
    expect(drained).toBe(false);
    await queue.next();
    await waiting;
    expect(drained).toBe(true);
    queue.push(3);
    const ending = queue.drained();
    queue.end();
    await ending;
  });
});
