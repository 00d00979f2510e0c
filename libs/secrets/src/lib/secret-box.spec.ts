import { randomBytes } from 'node:crypto';
import { SecretBox, SecretDecryptionError, secretKey } from './secret-box';

const keyA = secretKey(randomBytes(32));
const keyB = secretKey(randomBytes(32));

describe('SecretBox', () => {
  const box = new SecretBox(keyA);

  it('round-trips text, including empty and non-ASCII text', () => {
    for (const plaintext of ['hunter2-but-longer', '', 'pässwörd ✓ 🔑', 'x'.repeat(10_000)]) {
      expect(box.decrypt(box.encrypt(plaintext))).toBe(plaintext);
    }
  });

  it('uses a fresh IV every time and never contains the plaintext', () => {
    const a = box.encrypt('same secret value');
    const b = box.encrypt('same secret value');
    expect(a).not.toBe(b);
    expect(a).not.toContain('same secret value');
    expect(Buffer.from(a.split('.')[3], 'base64url').toString('utf8')).not.toContain('same');
  });

  it('names the key version in every ciphertext', () => {
    const ciphertext = box.encrypt('s3cret');
    expect(ciphertext.split('.').slice(0, 2)).toEqual(['tomo1', keyA.version]);
    expect(box.keyVersionOf(ciphertext)).toBe(keyA.version);
    expect(keyA.version).toMatch(/^[0-9a-f]{8}$/);
    expect(keyA.version).not.toBe(keyB.version);
  });

  it.each([
    ['the data', 3],
    ['the tag', 4],
    ['the iv', 2],
  ])('detects a change to %s', (_, part) => {
    const parts = box.encrypt('do not touch').split('.');
    const bytes = Buffer.from(parts[part], 'base64url');
    bytes[0] ^= 0x01;
    parts[part] = bytes.toString('base64url');
    expect(() => box.decrypt(parts.join('.'))).toThrow(
      new SecretDecryptionError('the ciphertext is damaged or was altered (authentication failed)'),
    );
  });

  it('detects a ciphertext relabelled with another key version', () => {
    const other = new SecretBox(keyB, [keyA]);
    const parts = box.encrypt('moved').split('.');
    parts[1] = keyB.version;
    expect(() => other.decrypt(parts.join('.'))).toThrow(SecretDecryptionError);
  });

  it('refuses a ciphertext made with a key it does not have', () => {
    const ciphertext = new SecretBox(keyB).encrypt('elsewhere');
    expect(() => box.decrypt(ciphertext)).toThrow(
      `the ciphertext was made with key version ${keyB.version}, which this process does not have (current: ${keyA.version})`,
    );
  });

  it('refuses text that is not a ciphertext, without echoing it', () => {
    expect(() => box.decrypt('plain password')).toThrow(/not a Tomo ciphertext/);
    try {
      box.decrypt('plain password');
    } catch (error) {
      expect((error as Error).message).not.toContain('plain password');
    }
  });

  it('rotates: previous keys decrypt, new ciphertexts and reencrypt() use the current key', () => {
    const old = box.encrypt('rotate me');
    const rotated = new SecretBox(keyB, [keyA]);
    expect(rotated.decrypt(old)).toBe('rotate me');
    expect(rotated.isCurrent(old)).toBe(false);
    const fresh = rotated.reencrypt(old);
    expect(rotated.keyVersionOf(fresh)).toBe(keyB.version);
    expect(rotated.isCurrent(fresh)).toBe(true);
    expect(rotated.reencrypt(fresh)).toBe(fresh);
    expect(new SecretBox(keyB).decrypt(fresh)).toBe('rotate me');
    expect(() => new SecretBox(keyB).decrypt(old)).toThrow(SecretDecryptionError);
  });

  it('derives distinct purpose keys that follow the current key', () => {
    expect(box.deriveKey('jwt')).toEqual(new SecretBox(keyA, [keyB]).deriveKey('jwt'));
    expect(box.deriveKey('jwt')).not.toEqual(box.deriveKey('other'));
    expect(box.deriveKey('jwt')).not.toEqual(new SecretBox(keyB).deriveKey('jwt'));
  });

  it('refuses keys of the wrong size', () => {
    expect(() => secretKey(randomBytes(16))).toThrow('a secret key must be 32 bytes, got 16');
  });
});
