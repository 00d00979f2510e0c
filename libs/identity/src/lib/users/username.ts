import { ErrorCode, TomoException } from '@tomo/shared';

const USERNAME = /^[a-z0-9][a-z0-9._-]{2,63}$/;

/** Usernames are case-insensitive: stored and compared in lowercase. */
export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

export function checkUsername(username: string, field = 'username'): string {
  const normalized = normalizeUsername(username);
  if (!USERNAME.test(normalized)) {
    throw new TomoException(
      ErrorCode.BadUserInput,
      `${field} must be 3-64 characters: letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return normalized;
}
