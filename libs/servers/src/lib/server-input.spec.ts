import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TomoException } from '@tomo/shared';
import {
  validateCredentials,
  validateHost,
  validateMaxConcurrentJobs,
  validateName,
  validateNetworkMode,
  validatePort,
  validateUsername,
} from './server-input';
import { ServerAuthType } from './server-status';

const badInput = (fn: () => unknown, message: RegExp) => {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(TomoException);
  expect((error as TomoException).code).toBe('BAD_USER_INPUT');
  expect((error as TomoException).message).toMatch(message);
};

describe('server input validation', () => {
  let dir: string;
  let plainKey: string;
  let encryptedKey: string;
  let pemKey: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tomo-server-input-'));
    const keygen = (file: string, args: string[]) => {
      execFileSync('ssh-keygen', ['-q', '-f', join(dir, file), '-C', 'test', ...args]);
      return readFileSync(join(dir, file), 'utf8');
    };
    plainKey = keygen('plain', ['-t', 'ed25519', '-N', '']);
    encryptedKey = keygen('encrypted', ['-t', 'ed25519', '-N', 'open sesame']);
    pemKey = keygen('pem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts host names and IP addresses, refuses the rest', () => {
    expect(validateHost('Server-1.Example.com')).toBe('server-1.example.com');
    expect(validateHost('192.168.1.10')).toBe('192.168.1.10');
    expect(validateHost('[fe80::1]')).toBe('fe80::1');
    expect(validateHost('::1')).toBe('::1');
    expect(validateHost('localhost')).toBe('localhost');
    for (const bad of [
      '',
      'a b',
      '-leading.example.com',
      'exa_mple.com',
      'host;rm -rf /',
      '1.2.3.256',
      `${'a'.repeat(64)}.com`,
    ]) {
      badInput(() => validateHost(bad), /host must be a host name or an IP address/);
    }
  });

  it('checks port, user, name, network mode and the per-server job limit', () => {
    expect(validatePort(22)).toBe(22);
    expect(validatePort(65535)).toBe(65535);
    for (const bad of [0, 65536, -1, 22.5])
      badInput(() => validatePort(bad), /port must be a whole number from 1 to 65535/);
    expect(validateUsername('deploy_user')).toBe('deploy_user');
    for (const bad of ['', '-oProxyCommand=x', 'a b', 'root;id', '.hidden'])
      badInput(() => validateUsername(bad), /username must be/);
    expect(validateName('  web 1 ')).toBe('web 1');
    badInput(() => validateName(''), /name must be 1-100/);
    expect(validateNetworkMode('host')).toBe('host');
    expect(validateNetworkMode('bridge')).toBe('bridge');
    expect(validateNetworkMode('my_net.1')).toBe('my_net.1');
    for (const bad of ['', 'container:abc', 'a b', '-x'])
      badInput(() => validateNetworkMode(bad), /networkMode must be/);
    expect(validateMaxConcurrentJobs(2)).toBe(2);
    badInput(() => validateMaxConcurrentJobs(0), /maxConcurrentJobs/);
  });

  it('requires the credentials of the auth type and parses keys (OpenSSH and PEM)', () => {
    expect(
      validateCredentials(ServerAuthType.Password, {
        password: 'pw',
        privateKey: plainKey,
      }),
    ).toEqual({
      password: 'pw',
      privateKey: null,
      passphrase: null,
    });
    badInput(() => validateCredentials(ServerAuthType.Password, {}), /password is required/);
    badInput(() => validateCredentials(ServerAuthType.Key, { password: 'pw' }), /privateKey is required/);
    expect(
      validateCredentials(ServerAuthType.Key, {
        privateKey: plainKey,
        passphrase: 'ignored',
      }),
    ).toEqual({
      password: null,
      privateKey: plainKey,
      passphrase: null,
    });
    expect(validateCredentials(ServerAuthType.Key, { privateKey: pemKey }).privateKey).toBe(pemKey);
    expect(
      validateCredentials(ServerAuthType.Key, {
        privateKey: encryptedKey,
        passphrase: 'open sesame',
      }).passphrase,
    ).toBe('open sesame');
    badInput(() => validateCredentials(ServerAuthType.Key, { privateKey: encryptedKey }), /passphrase is required/);
    badInput(
      () =>
        validateCredentials(ServerAuthType.Key, {
          privateKey: encryptedKey,
          passphrase: 'wrong',
        }),
      /wrong passphrase/,
    );
    badInput(
      () =>
        validateCredentials(ServerAuthType.Key, {
          privateKey: plainKey.slice(0, 200),
        }),
      /malformed/,
    );
    badInput(() => validateCredentials(ServerAuthType.Key, { privateKey: 'not a key' }), /malformed/);
  });

  it('never puts a secret in a message', () => {
    try {
      validateCredentials(ServerAuthType.Key, {
        privateKey: encryptedKey,
        passphrase: 'wrong-secret-words',
      });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('wrong-secret-words');
    }
  });
});
