import { ErrorCode, TomoException } from '@tomo/shared';
import { commonPasswords } from './common-passwords';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/** Words that make a password guessable here in particular (NIST SP 800-63B 5.1.1.2: context-specific words). */
const CONTEXT_WORDS = ['tomo', 'admin', 'administrator'];

/**
 * NIST SP 800-63B: at least 12 and at most 128 characters (Unicode code points, after NFKC
 * normalisation), no composition rules, and refused when it is a known-breached password, a
 * padded one (`password123456`), a repeated one (`qwertyqwerty`), a run (`123456789012`), or
 * built from the username or the service's name.
 */
export function checkPassword(password: string, field: string, username?: string): void {
  const problem = passwordProblem(password, username);
  if (problem) throw new TomoException(ErrorCode.BadUserInput, `${field} ${problem}`);
}

/** What is wrong with a password, as the end of a sentence that starts with the field's name; null if nothing. */
export function passwordProblem(password: string, username?: string): string | null {
  const normalized = password.normalize('NFKC');
  const length = [...normalized].length;
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters (got ${length})`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters (got ${length})`;

  const lower = normalized.toLowerCase();
  const user = username?.toLowerCase();
  if (user && user.length >= 3 && lower.includes(user)) return 'must not contain the username';
  if (isRepetitiveOrSequential(lower)) return 'is too easy to guess (a repeated or sequential pattern); choose another';

  const common = commonPasswords();
  const core = stripPadding(lower);
  const joined = core.replace(/[\s_.-]+/g, '');
  const unit = repeatedUnit(joined);
  const candidates = [lower, core, joined, unit, unit && stripPadding(unit)];
  if (candidates.some((candidate) => candidate && common.has(candidate))) {
    return 'is too common (it is, or is built on, a password known from breaches); choose another';
  }
  const withoutContext = stripPadding(CONTEXT_WORDS.reduce((rest, word) => rest.split(word).join(''), core));
  if (withoutContext !== core && (withoutContext.length < 4 || common.has(withoutContext))) {
    return 'is too easy to guess (built on the name of the service); choose another';
  }
  return null;
}

/** `Password123!!` → `password`: the word under the digits and symbols people pad it with. */
function stripPadding(lower: string): string {
  return lower.replace(/^[^\p{L}]+/u, '').replace(/[^\p{L}]+$/u, '');
}

/** The shortest unit the password repeats (`abcabcabcabc` → `abc`), if it is a repetition. */
function repeatedUnit(lower: string): string | null {
  const match = /^(.+?)\1+$/u.exec(lower);
  return match ? match[1] : null;
}

/** Runs such as `aaaaaaaaaaaa`, `123456789012`, `abcdefghijkl` or `987654321098`, or a repetition of 1-3 characters. */
function isRepetitiveOrSequential(lower: string): boolean {
  const unit = repeatedUnit(lower);
  if (unit && [...unit].length <= 3) return true;
  const codes = [...lower].map((c) => c.codePointAt(0) ?? 0);
  const steps = codes.slice(1).map((code, i) => code - codes[i]);
  // Digits wrap around (…8 9 0 1…) in typed sequences.
  const isStep = (step: number, direction: 1 | -1) => step === direction || step === -9 * direction;
  return steps.every((s) => isStep(s, 1)) || steps.every((s) => isStep(s, -1));
}
