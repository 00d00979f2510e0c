import { UnrecoverableError } from 'bullmq';
import { ErrorCode, TomoException } from '@tomo/shared';
import { describeError, formatDuration, isTransientError, retryDelayMs } from './step-errors';
import { DEFAULT_RETRY_POLICY } from './workflow-definition';

describe('isTransientError', () => {
  it.each([
    [new TomoException(ErrorCode.ServerUnreachable, 'x'), true],
    [new TomoException(ErrorCode.StepTimeout, 'x'), true],
    [new TomoException(ErrorCode.Internal, 'x'), true],
    [new Error('ECONNRESET'), true],
    ['a string', true],
    [new TomoException(ErrorCode.BadUserInput, 'x'), false],
    [new TomoException(ErrorCode.SshAuthFailed, 'x'), false],
    [new TomoException(ErrorCode.HostKeyMismatch, 'x'), false],
    [new TomoException(ErrorCode.NotFound, 'x'), false],
    [new TomoException(ErrorCode.Cancelled, 'x'), false],
    [new TomoException(ErrorCode.RateLimited, 'x'), true],
    [new UnrecoverableError('x'), false],
  ])('classifies %p as transient: %p', (error, transient) => {
    expect(isTransientError(error)).toBe(transient);
  });

  it("lets the step's own classification decide first, falling back when it says undefined", () => {
    const step = { isTransient: (error: unknown) => ((error as Error).message === 'busy' ? true : undefined) };
    expect(isTransientError(new TomoException(ErrorCode.Conflict, 'busy'), step)).toBe(true);
    expect(isTransientError(new TomoException(ErrorCode.Conflict, 'other'), step)).toBe(false);
    expect(isTransientError(new Error('boom'), { isTransient: () => false })).toBe(false);
  });
});

describe('retryDelayMs', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, initialDelayMs: 1_000, maxDelayMs: 10_000, factor: 2 };

  it('grows exponentially with equal jitter: between half and all of the exponential delay', () => {
    expect([1, 2, 3].map((n) => retryDelayMs(policy, n, () => 0))).toEqual([500, 1_000, 2_000]);
    expect([1, 2, 3].map((n) => retryDelayMs(policy, n, () => 0.999999))).toEqual([1_000, 2_000, 4_000]);
  });

  it('never exceeds maxDelayMs', () => {
    expect(retryDelayMs(policy, 30, () => 0.999999)).toBe(10_000);
    expect(retryDelayMs(policy, 30, () => 0)).toBe(5_000);
  });
});

describe('describeError', () => {
  it('keeps a TomoException code and message, and reports anything else as INTERNAL_SERVER_ERROR', () => {
    expect(describeError(new TomoException(ErrorCode.SshAuthFailed, 'bad key'))).toEqual({
      code: 'SSH_AUTH_FAILED',
      message: 'bad key',
    });
    expect(describeError(new Error('disk full'))).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: 'disk full' });
    expect(describeError(42)).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: '42' });
    expect(describeError(new Error('x'.repeat(5_000))).message).toHaveLength(2_001);
  });

  it('reports Redis or the database unreachable as UNAVAILABLE', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    expect(describeError(refused)).toEqual({ code: 'UNAVAILABLE', message: refused.message });
    expect(describeError(new Error('Connection is closed.')).code).toBe('UNAVAILABLE');
  });
});

describe('formatDuration', () => {
  it.each([
    [12, '12 ms'],
    [1_500, '1.5 s'],
    [90_000, '1.5 min'],
  ])('%p ms reads %p', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
