import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describePrivateKey, parsePrivateKey } from './private-key';

let dir: string;
const keys: Record<string, string> = {};

function keygen(name: string, args: string[]): void {
  execFileSync('ssh-keygen', ['-q', ...args, '-C', `tomo-${name}`, '-f', join(dir, name)]);
  keys[name] = readFileSync(join(dir, name), 'utf8');
  keys[`${name}.pub`] = readFileSync(join(dir, `${name}.pub`), 'utf8');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tomo-keys-'));
  keygen('ed25519', ['-t', 'ed25519', '-N', '']);
  keygen('ed25519-enc', ['-t', 'ed25519', '-N', 'secret-pass']);
  keygen('rsa-pem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '']);
  keygen('rsa-pem-enc', ['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', 'secret-pass']);
  keygen('ecdsa-pkcs8', ['-t', 'ecdsa', '-m', 'PKCS8', '-N', '']);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const badInput = (message: RegExp) =>
  expect.objectContaining({
    code: 'BAD_USER_INPUT',
    message: expect.stringMatching(message),
  });

describe('parsePrivateKey', () => {
  it('parses OpenSSH and PEM keys, encrypted ones with their passphrase', () => {
    expect(parsePrivateKey(keys['ed25519']).type).toBe('ssh-ed25519');
    expect(parsePrivateKey(Buffer.from(keys['ed25519'])).type).toBe('ssh-ed25519');
    expect(parsePrivateKey(keys['ed25519-enc'], 'secret-pass').type).toBe('ssh-ed25519');
    expect(parsePrivateKey(keys['rsa-pem']).type).toBe('ssh-rsa');
    expect(parsePrivateKey(keys['rsa-pem-enc'], 'secret-pass').type).toBe('ssh-rsa');
    // A passphrase given for an unencrypted key is ignored, as OpenSSH does.
    expect(parsePrivateKey(keys['ed25519'], 'unused').isPrivateKey()).toBe(true);
  });

  it.each(['ed25519-enc', 'rsa-pem-enc'])('%s without a passphrase: passphrase required', (name) => {
    expect(() => parsePrivateKey(keys[name])).toThrow(badInput(/passphrase is required/));
    expect(() => parsePrivateKey(keys[name], '')).toThrow(badInput(/passphrase is required/));
  });

  it.each(['ed25519-enc', 'rsa-pem-enc'])('%s with a wrong passphrase: wrong passphrase', (name) => {
    expect(() => parsePrivateKey(keys[name], 'nope')).toThrow(badInput(/wrong passphrase/));
  });

  it('malformed, truncated, empty, public and PKCS#8 keys get their own messages', () => {
    expect(() => parsePrivateKey('hello')).toThrow(badInput(/malformed/));
    const lines = keys['ed25519'].trim().split('\n');
    const truncated = [lines[0], lines[1], lines[lines.length - 1]].join('\n');
    expect(() => parsePrivateKey(truncated)).toThrow(badInput(/malformed/));
    expect(() => parsePrivateKey('  ')).toThrow(badInput(/empty/));
    expect(() => parsePrivateKey(keys['ed25519.pub'])).toThrow(badInput(/public key/));
    expect(() => parsePrivateKey(keys['ecdsa-pkcs8'])).toThrow(badInput(/PKCS#8/));
  });

  it('messages never contain key material', () => {
    const body = keys['ed25519'].split('\n')[1];
    try {
      parsePrivateKey(keys['ed25519'].replace(body, body.slice(0, 20)));
      throw new Error('parsed');
    } catch (error) {
      expect((error as Error).message).not.toContain(body.slice(0, 20));
    }
  });
});

describe('describePrivateKey', () => {
  it('reports type, comment and whether it was encrypted', () => {
    expect(describePrivateKey(keys['ed25519'])).toEqual({
      type: 'ssh-ed25519',
      comment: 'tomo-ed25519',
      encrypted: false,
    });
    expect(describePrivateKey(keys['ed25519-enc'], 'secret-pass')).toEqual({
      type: 'ssh-ed25519',
      comment: 'tomo-ed25519-enc',
      encrypted: true,
    });
    expect(describePrivateKey(keys['rsa-pem-enc'], 'secret-pass').encrypted).toBe(true);
    expect(describePrivateKey(keys['rsa-pem']).encrypted).toBe(false);
  });
});
