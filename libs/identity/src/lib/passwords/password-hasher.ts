import { createHash } from 'node:crypto';
import { BcryptPool } from './bcrypt-pool';

export const BCRYPT_COST = 12;

/** One pool per process: every hasher shares its threads. */
const pool = new BcryptPool();

/**
 * bcrypt with cost 12. bcrypt reads only the first 72 bytes of its input, and the policy allows
 * 128 characters (up to 512 bytes), so the password is first reduced to the base64 of its
 * SHA-256 (44 ASCII bytes): every character counts, and no NUL byte can cut it short.
 * The bcrypt work runs on the pool's threads, off the event loop.
 */
export class PasswordHasher {
  hash(password: string): Promise<string> {
    return pool.hash(prehash(password), BCRYPT_COST);
  }

  verify(password: string, passwordHash: string): Promise<boolean> {
    return pool.compare(prehash(password), passwordHash);
  }
}

function prehash(password: string): string {
  return createHash('sha256').update(password.normalize('NFKC'), 'utf8').digest('base64');
}

/**
 * A real hash of a random string, compared against when a username does not exist so that a
 * failed login takes as long either way and the timing does not tell which usernames exist.
 */
export const TIMING_DUMMY_HASH = '$2b$12$GHk7OZRxJC1loGnzdFGIK.ex.AM0Cg8DyUjZ.XIcsFfHHakGkYjbK';
