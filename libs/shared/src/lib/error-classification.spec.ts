import { ErrorCode } from './error-code';
import { isDependencyUnavailable, isTransientCode, isTransientError, meansServerOffline } from './error-classification';
import { TomoException } from './tomo-exception';

describe('isTransientCode', () => {
  it.each([
    [ErrorCode.Unauthenticated, false],
    [ErrorCode.Forbidden, false],
    [ErrorCode.BadUserInput, false],
    [ErrorCode.NotFound, false],
    [ErrorCode.Conflict, false],
    [ErrorCode.SshAuthFailed, false],
    [ErrorCode.HostKeyMismatch, false],
    [ErrorCode.Cancelled, false],
    [ErrorCode.ContainerMissing, false],
    [ErrorCode.RateLimited, true],
    [ErrorCode.ServerUnreachable, true],
    [ErrorCode.StepTimeout, true],
    [ErrorCode.RemoteCommandFailed, true],
    [ErrorCode.ImagePullFailed, true],
    [ErrorCode.HealthCheckFailed, true],
    [ErrorCode.GitFailed, true],
    [ErrorCode.Unavailable, true],
    [ErrorCode.Internal, true],
    // A code stored by an older version, or not ours: treated as Internal.
    ['SOMETHING_ELSE', true],
  ])('%s → transient %p', (code, transient) => {
    expect(isTransientCode(code)).toBe(transient);
  });
});

describe('isTransientError', () => {
  it.each([
    [new TomoException(ErrorCode.RateLimited, 'x'), true],
    [new TomoException(ErrorCode.ImagePullFailed, 'x'), true],
    [new TomoException(ErrorCode.BadUserInput, 'x'), false],
    [new TomoException(ErrorCode.Cancelled, 'x'), false],
    [new Error('disk full'), true],
    ['a string', true],
  ])('%p → transient %p', (error, transient) => {
    expect(isTransientError(error)).toBe(transient);
  });
});

describe('isDependencyUnavailable', () => {
  it('recognises a refused connection, also wrapped as a cause (a real socket error: see format-graphql-error.spec)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    expect(isDependencyUnavailable(refused)).toBe(true);
    expect(isDependencyUnavailable(new Error('query failed', { cause: refused }))).toBe(true);
  });

  it.each([
    [Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }), true],
    [
      Object.assign(new Error('Reached the max retries per request limit'), {
        name: 'MaxRetriesPerRequestError',
      }),
      true,
    ],
    [new Error('Connection is closed.'), true],
    [new TomoException(ErrorCode.Unavailable, 'x'), true],
    [new TomoException(ErrorCode.ServerUnreachable, 'ssh'), false],
    [new TypeError("Cannot read properties of undefined (reading 'x')"), false],
    ['a string', false],
  ])('%p → %p', (error, unavailable) => {
    expect(isDependencyUnavailable(error)).toBe(unavailable);
  });
});

describe('meansServerOffline', () => {
  it.each([
    [new TomoException(ErrorCode.ServerUnreachable, 'x'), true],
    [new TomoException(ErrorCode.StepTimeout, 't'), true],
    [new TomoException(ErrorCode.HostKeyMismatch, 'k'), false],
    [new TomoException(ErrorCode.SshAuthFailed, 'x'), false],
    [new TomoException(ErrorCode.RemoteCommandFailed, 'x'), false],
    [new TomoException(ErrorCode.Cancelled, 'c'), false],
    [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), false],
    ['string', false],
  ])('%p → %p', (error, offline) => {
    expect(meansServerOffline(error)).toBe(offline);
  });
});
