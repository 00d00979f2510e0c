import { createHash } from 'node:crypto';
import { compare, hash } from 'bcryptjs';

export const BCRYPT_COST = 12;

/**
 * bcrypt with cost 12. bcrypt reads only the first 72 bytes of its input, and the policy allows
 * 128 characters (up to 512 bytes), so the password is first reduced to the base64 of its
 * SHA-256 (44 ASCII bytes): every character counts, and no NUL byte can cut it short.
 */
export class PasswordHasher {
  hash(password: string): Promise<string> {
    return hash(prehash(password), BCRYPT_COST);
  }

  verify(password: string, passwordHash: string): Promise<boolean> {
    return compare(prehash(password), passwordHash);
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
