import { AsyncQueue } from './async-queue';

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
});
