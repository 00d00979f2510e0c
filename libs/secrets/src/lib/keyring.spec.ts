import { mkdtempSync, readFileSync, rmSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addKeyToKeyFile, deriveMasterKey, dropPreviousKeys, keyFilePath, loadKeyring } from './keyring';
import { SecretBox } from './secret-box';

describe('keyring', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tomo-keyring-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const fileSettings = () => ({ dataDir, masterKey: undefined, previousMasterKey: undefined });

  it('generates a random 32-byte key file with mode 0600 on first start, then reuses it', () => {
    const first = loadKeyring(fileSettings());
    expect(first.source).toBe('key-file');
    expect(statSync(keyFilePath(dataDir)).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(keyFilePath(dataDir), 'utf8').trim(), 'base64')).toHaveLength(32);
    const second = loadKeyring(fileSettings());
    expect(second.current.key.equals(first.current.key)).toBe(true);
  });

  it('tightens loose permissions of the key file', () => {
    loadKeyring(fileSettings());
    chmodSync(keyFilePath(dataDir), 0o644);
    loadKeyring(fileSettings());
    expect(statSync(keyFilePath(dataDir)).mode & 0o777).toBe(0o600);
  });

  it('refuses a damaged key file with a clear message', () => {
    writeFileSync(keyFilePath(dataDir), 'not-a-key\n', { mode: 0o600 });
    expect(() => loadKeyring(fileSettings())).toThrow(/is damaged \(line 1 is not a 32-byte base64 key\)/);
  });

  it('derives the same key from the same master key, and another from another', () => {
    const a = loadKeyring({ dataDir, masterKey: 'correct horse battery staple', previousMasterKey: undefined });
    const b = loadKeyring({ dataDir, masterKey: 'correct horse battery staple', previousMasterKey: undefined });
    expect(a.source).toBe('master-key');
    expect(a.current.key.equals(b.current.key)).toBe(true);
    expect(a.current.version).not.toBe(deriveMasterKey('another master key!').version);
  });

  it('keeps the previous master key and an older key file for decryption only', () => {
    const fromFile = loadKeyring(fileSettings()).current;
    const ring = loadKeyring({ dataDir, masterKey: 'the new master key', previousMasterKey: 'the old master key' });
    expect(ring.current.version).toBe(deriveMasterKey('the new master key').version);
    expect(ring.previous.map((k) => k.version)).toEqual([
      deriveMasterKey('the old master key').version,
      fromFile.version,
    ]);
  });

  it('rotates the key file: a new current key, old ones kept until dropped', () => {
    const before = loadKeyring(fileSettings());
    const old = new SecretBox(before.current).encrypt('server password');
    const added = addKeyToKeyFile(dataDir);
    const during = loadKeyring(fileSettings());
    expect(during.current.version).toBe(added.version);
    expect(during.previous.map((k) => k.version)).toEqual([before.current.version]);
    const box = new SecretBox(during.current, during.previous);
    const renewed = box.reencrypt(old);
    dropPreviousKeys(dataDir);
    const after = loadKeyring(fileSettings());
    expect(after.previous).toEqual([]);
    expect(new SecretBox(after.current).decrypt(renewed)).toBe('server password');
    expect(statSync(keyFilePath(dataDir)).mode & 0o777).toBe(0o600);
  });
});
