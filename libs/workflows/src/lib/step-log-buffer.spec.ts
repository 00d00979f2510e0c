import { StepLogBuffer } from './step-log-buffer';
import type { NewEvent } from './job-store';

describe('StepLogBuffer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes lines in batches on a timer, splits multi-line text, and hands the rest to the closing commit', async () => {
    const writes: NewEvent[][] = [];
    const buffer = new StepLogBuffer('pull', async (events) => void writes.push(events), 200, 100);
    buffer.add('one');
    buffer.add('two\nthree\n');
    expect(writes).toEqual([]);
    jest.advanceTimersByTime(200);
    await Promise.resolve();
    expect(writes.map((batch) => batch.map((e) => e.message))).toEqual([['one', 'two', 'three']]);
    expect(writes[0][0]).toEqual({ type: 'step.log', step: 'pull', message: 'one' });
    buffer.add('four');
    const rest = await buffer.close();
    expect(rest.map((e) => e.message)).toEqual(['four']);
    buffer.add('too late');
    jest.advanceTimersByTime(1_000);
    expect(writes).toHaveLength(1);
  });

  it('flushes at once when a batch is full, and truncates very long lines', async () => {
    const writes: NewEvent[][] = [];
    const buffer = new StepLogBuffer('s', async (events) => void writes.push(events), 10_000, 3);
    buffer.add('a');
    buffer.add('b');
    buffer.add('x'.repeat(10_000));
    await Promise.resolve();
    await Promise.resolve();
    expect(writes).toHaveLength(1);
    expect(writes[0][2].message).toHaveLength(4_001);
    expect(await buffer.close()).toEqual([]);
  });
});
