import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** Version of the ciphertext layout; the first field of every ciphertext. */
const FORMAT = 'tomo1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A 256-bit data key and its version: a short fingerprint that names the key in every ciphertext. */
export interface SecretKey {
  readonly version: string;
  readonly key: Buffer;
}

/** The key version of a key: 8 hex characters of a SHA-256 over it (not reversible, not the key). */
export function secretKey(key: Buffer): SecretKey {
  if (key.length !== KEY_BYTES) throw new Error(`a secret key must be ${KEY_BYTES} bytes, got ${key.length}`);
  const version = createHash('sha256').update('tomo secret key version\0').update(key).digest('hex').slice(0, 8);
  return { version, key };
}

/** Why a ciphertext could not be opened; the message never holds key or plaintext material. */
export class SecretDecryptionError extends Error {
  override readonly name = 'SecretDecryptionError';
}

/**
 * AES-256-GCM for secrets at rest (SSH passwords, private keys, passphrases).
 *
 * A ciphertext is `tomo1.<key version>.<iv>.<data>.<tag>` (base64url parts). The format and the
 * key version are authenticated as associated data, so a ciphertext cannot be moved to another
 * key or format unnoticed. New ciphertexts use the current key; the previous keys only decrypt,
 * until `secrets:rotate` has re-encrypted everything under the current one.
 */
export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(
    private readonly current: SecretKey,
    previous: readonly SecretKey[] = [],
  ) {
    this.keys = new Map([...previous, current].map((k) => [k.version, k.key]));
  }

  /** The version of the key new ciphertexts are made with. */
  get currentKeyVersion(): string {
    return this.current.version;
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const header = `${FORMAT}.${this.current.version}`;
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(header, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [header, b64(iv), b64(data), b64(cipher.getAuthTag())].join('.');
  }

  decrypt(ciphertext: string): string {
    const parts = ciphertext.split('.');
    if (parts.length !== 5 || parts[0] !== FORMAT) {
      throw new SecretDecryptionError('not a Tomo ciphertext (expected tomo1.<key version>.<iv>.<data>.<tag>)');
    }
    const [format, version, iv, data, tag] = parts;
    const key = this.keys.get(version);
    if (!key) {
      throw new SecretDecryptionError(
        `the ciphertext was made with key version ${version}, which this process does not have (current: ${this.current.version})`,
      );
    }
    const ivBytes = unb64(iv);
    const tagBytes = unb64(tag);
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) {
      throw new SecretDecryptionError('the ciphertext is damaged (bad iv or tag length)');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(`${format}.${version}`, 'utf8'));
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(unb64(data)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError('the ciphertext is damaged or was altered (authentication failed)');
    }
  }

  /** The key version a ciphertext names (without decrypting it). */
  keyVersionOf(ciphertext: string): string | null {
    const parts = ciphertext.split('.');
    return parts.length === 5 && parts[0] === FORMAT ? parts[1] : null;
  }

  /** Whether the ciphertext was made with the current key. */
  isCurrent(ciphertext: string): boolean {
    return this.keyVersionOf(ciphertext) === this.current.version;
  }

  /** The same plaintext under the current key (unchanged when it already is). */
  reencrypt(ciphertext: string): string {
    return this.isCurrent(ciphertext) ? ciphertext : this.encrypt(this.decrypt(ciphertext));
  }

  /**
   * A key for another purpose (e.g. signing session JWTs), derived with HKDF-SHA256 from the
   * current key so that no other secret needs storing. Rotating the key changes it too.
   */
  deriveKey(purpose: string, bytes = KEY_BYTES): Buffer {
    return Buffer.from(hkdfSync('sha256', this.current.key, Buffer.alloc(0), `tomo:${purpose}`, bytes));
  }
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64url');
}

function unb64(text: string): Buffer {
  return Buffer.from(text, 'base64url');
}
