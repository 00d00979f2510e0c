import { randomBytes, pbkdf2Sync } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SecretKey, secretKey } from './secret-box';

/** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256. */
export const MASTER_KEY_PBKDF2_ITERATIONS = 600_000;
/**
 * A fixed, application-specific salt: every API and worker replica must derive the same key from
 * TOMO_MASTER_KEY without sharing any other state.
 */
const MASTER_KEY_SALT = 'tomo:secret-box:master-key:v1';
/** The generated key file in DATA_DIR (mode 0600): one base64 key per line, the current one first. */
export const KEY_FILE_NAME = 'master.key';

export interface KeyringSettings {
  dataDir: string;
  masterKey: string | undefined;
  previousMasterKey: string | undefined;
}

export interface Keyring {
  current: SecretKey;
  previous: SecretKey[];
  /** Where the current key comes from. */
  source: 'master-key' | 'key-file';
}

/** Derives a data key from a master secret. Slow on purpose (PBKDF2, 600k rounds): call it once at start. */
export function deriveMasterKey(masterKey: string): SecretKey {
  return secretKey(pbkdf2Sync(masterKey, MASTER_KEY_SALT, MASTER_KEY_PBKDF2_ITERATIONS, 32, 'sha256'));
}

export function keyFilePath(dataDir: string): string {
  return join(dataDir, KEY_FILE_NAME);
}

/**
 * The process's keys. With TOMO_MASTER_KEY the current key is derived from it (and
 * TOMO_MASTER_KEY_PREVIOUS plus any older key file only decrypt); without it the key file in
 * DATA_DIR holds the keys, and is created with one random key on first start.
 */
export function loadKeyring(settings: KeyringSettings): Keyring {
  const file = keyFilePath(settings.dataDir);
  if (settings.masterKey) {
    const previous = [
      ...(settings.previousMasterKey ? [deriveMasterKey(settings.previousMasterKey)] : []),
      ...(existsSync(file) ? readKeyFile(file) : []),
    ];
    return { current: deriveMasterKey(settings.masterKey), previous, source: 'master-key' };
  }
  if (!existsSync(file)) createKeyFile(file);
  const [current, ...previous] = readKeyFile(file);
  return { current, previous, source: 'key-file' };
}

/** Puts a new random key first in the key file; the old ones stay, to decrypt, until {@link dropPreviousKeys}. */
export function addKeyToKeyFile(dataDir: string): SecretKey {
  const file = keyFilePath(dataDir);
  const next = secretKey(randomBytes(32));
  writeKeyFile(file, [next, ...readKeyFile(file)]);
  return next;
}

/** Leaves only the current key in the key file (after everything was re-encrypted with it). */
export function dropPreviousKeys(dataDir: string): void {
  const file = keyFilePath(dataDir);
  writeKeyFile(file, readKeyFile(file).slice(0, 1));
}

function createKeyFile(file: string): void {
  try {
    // 'wx' fails if another process (an API replica, a worker) created it a moment ago.
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

function readKeyFile(file: string): SecretKey[] {
  // Tighten permissions that were loosened by a copy or a backup restore.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length === 0) throw new Error(`the key file ${file} is empty`);
  return lines.map((line, index) => {
    const key = Buffer.from(line, 'base64');
    if (key.length !== 32)
      throw new Error(`the key file ${file} is damaged (line ${index + 1} is not a 32-byte base64 key)`);
    return secretKey(key);
  });
}

function writeKeyFile(file: string, keys: SecretKey[]): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, keys.map((k) => `${k.key.toString('base64')}\n`).join(''), { mode: 0o600 });
  renameSync(temporary, file);
}
