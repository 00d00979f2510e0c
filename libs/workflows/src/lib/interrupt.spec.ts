import { Interrupt, untilInterrupted } from './interrupt';

describe('Interrupt', () => {
  it('gives a signal that follows an abort made before or after the signal was asked for', () => {
    const early = new Interrupt();
    early.abort('early');
    expect(early.signal.aborted).toBe(true);
    expect(early.signal.reason).toBe('early');

    const late = new Interrupt();
    const signal = late.signal;
    expect(signal.aborted).toBe(false);
    late.abort('late');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('late');
  });

  it('calls each listener once, keeps the first reason, and forgets listeners that stopped listening', () => {
    const interrupt = new Interrupt();
    const heard: unknown[] = [];
    const stopped: unknown[] = [];
    interrupt.onAbort((reason) => heard.push(reason));
    const stop = interrupt.onAbort((reason) => stopped.push(reason));
    stop();
    interrupt.abort('first');
    interrupt.abort('second');
    expect(heard).toEqual(['first']);
    expect(stopped).toEqual([]);
    expect(interrupt.reason).toBe('first');

    const after: unknown[] = [];
    interrupt.onAbort((reason) => after.push(reason));
    expect(after).toEqual(['first']);
  });

  it('settles untilInterrupted with the work, or with the reason as soon as it fires', async () => {
    await expect(untilInterrupted(async () => 42, new Interrupt())).resolves.toBe(42);
    await expect(untilInterrupted(() => Promise.reject(new Error('boom')), new Interrupt())).rejects.toThrow('boom');

    const interrupt = new Interrupt();
    const never = untilInterrupted(() => new Promise<never>(() => undefined), interrupt);
    interrupt.abort(new Error('cancelled'));
    await expect(never).rejects.toThrow('cancelled');

    let ran = false;
    await expect(
      untilInterrupted(async () => {
        ran = true;
      }, interrupt),
    ).rejects.toThrow('cancelled');
    expect(ran).toBe(false);
  });
});
