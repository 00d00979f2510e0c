import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintsEqual, hostKeyFingerprint, normalizeFingerprint, publicKeyLineFingerprint } from './host-key';

describe('host key fingerprints', () => {
  it('match what ssh-keygen -lf prints', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tomo-hk-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
      const pub = readFileSync(join(dir, 'k.pub'), 'utf8');
      const printed = execFileSync('ssh-keygen', ['-lf', join(dir, 'k.pub')])
        .toString()
        .split(' ')[1];
      expect(publicKeyLineFingerprint(pub)).toBe(printed);
      expect(hostKeyFingerprint(Buffer.from(pub.split(' ')[1], 'base64'))).toBe(printed);
      // known_hosts form: host pattern first.
      expect(publicKeyLineFingerprint(`[127.0.0.1]:2222 ${pub}`)).toBe(printed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('normalizes pasted fingerprints and rejects others', () => {
    const fp = hostKeyFingerprint(Buffer.from('key'));
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(normalizeFingerprint(` ${fp}= `)).toBe(fp);
    expect(() => normalizeFingerprint('MD5:aa:bb')).toThrow(/SHA256:/);
    expect(() => normalizeFingerprint('SHA256:short')).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });

  it('compares', () => {
    const a = hostKeyFingerprint(Buffer.from('a'));
    expect(fingerprintsEqual(a, a)).toBe(true);
    expect(fingerprintsEqual(a, hostKeyFingerprint(Buffer.from('b')))).toBe(false);
    expect(fingerprintsEqual(a, 'SHA256:')).toBe(false);
  });
});
