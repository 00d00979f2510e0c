import { ErrorCode, TomoException } from '@tomo/shared';
import { commonPasswords } from './common-passwords';
import { checkPassword, passwordProblem } from './password-policy';

describe('password policy (NIST SP 800-63B)', () => {
  it('ships the real list of common passwords', () => {
    const list = commonPasswords();
    expect(list.size).toBeGreaterThan(19_000);
    expect(list.has('password')).toBe(true);
    expect(list.has('1qaz2wsx3edc')).toBe(true);
  });

  it.each([
    'correct horse battery staple',
    'Tr0ub4dor&3-but-longer',
    'mountain lake cabin 1987',
    'ÄÖÜ äöü ßẞ café crème',
    'tomo is my favourite tool',
    'x'.repeat(5) + 'yz'.repeat(4) + 'q12',
  ])('accepts %j (no composition rules)', (password) => {
    expect(passwordProblem(password, 'alice')).toBeNull();
  });

  it('counts characters, not bytes, and bounds the length to 12..128', () => {
    expect(passwordProblem('short pass', 'alice')).toBe('must be at least 12 characters (got 10)');
    expect(passwordProblem('🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑', 'alice')).toMatch(/at least 12 characters \(got 11\)|too easy/);
    expect(passwordProblem('horse '.repeat(22), 'alice')).toBe('must be at most 128 characters (got 132)');
    expect(passwordProblem('staple, horse; '.repeat(8).slice(0, 128), 'alice')).toBeNull();
  });

  it.each([
    ['passwordpassword', 'too common'],
    ['1q2w3e4r5t6y', 'too common'],
    ['Password123456', 'too common'],
    ['!!dragon2024!!', 'too common'],
    ['Qwerty123456!', 'too common'],
    ['iloveyou iloveyou', 'too common'],
    ['monkeymonkey', 'too common'],
    ['aaaaaaaaaaaa', 'too easy to guess'],
    ['123456789012', 'too easy to guess'],
    ['abcdefghijklm', 'too easy to guess'],
    ['ababababababab', 'too easy to guess'],
    ['tomo-admin-2024!', 'built on the name of the service'],
    ['Administrator2025', 'too common'],
    ['my-tomo-2025!', 'built on the name of the service'],
  ])('refuses %j', (password, why) => {
    expect(passwordProblem(password, 'someone')).toContain(why);
  });

  it('refuses a password that contains the username', () => {
    expect(passwordProblem('my name is Alice Smith!', 'alice')).toBe('must not contain the username');
  });

  it('throws BAD_USER_INPUT naming the field', () => {
    expect(() => checkPassword('short', 'newPassword')).toThrow(
      new TomoException(ErrorCode.BadUserInput, 'newPassword must be at least 12 characters (got 5)'),
    );
  });
});
