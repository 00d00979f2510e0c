import { ErrorCode, isTransientError, meansServerOffline, TomoException } from '@tomo/shared';
import { toSshConnectException } from './ssh-errors';

const ep = { host: '10.0.0.5', port: 22, username: 'deploy' };
const err = (message: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(message), extra);

describe('toSshConnectException', () => {
  it.each([
    ['ECONNREFUSED', /connection refused/],
    ['ETIMEDOUT', /timed out/],
    ['ECONNRESET', /reset/],
    ['EHOSTUNREACH', /no route/],
  ])('%s → SERVER_UNREACHABLE (transient)', (code, message) => {
    const e = toSshConnectException(err(`connect ${code}`, { code, level: 'client-socket' }), ep);
    expect(e.code).toBe(ErrorCode.ServerUnreachable);
    expect(e.message).toMatch(message);
    expect(isTransientError(e)).toBe(true);
    expect(meansServerOffline(e)).toBe(true);
  });

  it('handshake timeout → SERVER_UNREACHABLE', () => {
    const e = toSshConnectException(err('Timed out while waiting for handshake', { level: 'client-timeout' }), ep);
    expect(e.code).toBe(ErrorCode.ServerUnreachable);
  });

  it('authentication failure → SSH_AUTH_FAILED (permanent), without the raw ssh2 wording', () => {
    const e = toSshConnectException(
      err('All configured authentication methods failed', {
        level: 'client-authentication',
      }),
      ep,
    );
    expect(e.code).toBe(ErrorCode.SshAuthFailed);
    expect(e.message).toContain('deploy');
    expect(isTransientError(e)).toBe(false);
    expect(meansServerOffline(e)).toBe(false);
  });

  it('passes TomoExceptions through', () => {
    const original = new TomoException(ErrorCode.SshAuthFailed, 'x');
    expect(toSshConnectException(original, ep)).toBe(original);
  });
});
