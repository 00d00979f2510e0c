import { ErrorCode, TomoException } from '@tomo/shared';

/**
 * Words that mean the same quoted or not in every POSIX shell (and bash/zsh/ksh): no glob,
 * brace, tilde, comment, assignment, expansion or separator character. `=` is left out on
 * purpose: an unquoted `A=b` in command position is an assignment, not a command.
 */
const SAFE_WORD = /^[A-Za-z0-9_@%+:,./-]+$/;

/**
 * Quotes one argument for a POSIX shell so that it arrives as exactly one literal argument.
 * Single quotes turn every character literal except `'` itself, which is written as `'\''`
 * (close quote, escaped quote, reopen). NUL cannot travel in an argv (C strings end at it),
 * so it is rejected rather than silently truncating the argument.
 */
export function quoteShellArg(arg: string): string {
  if (typeof arg !== 'string') {
    throw new TomoException(ErrorCode.BadUserInput, `A remote command argument must be a string, got ${typeof arg}`);
  }
  if (arg.includes('\0')) {
    throw new TomoException(
      ErrorCode.BadUserInput,
      'A remote command argument contains a NUL character, which cannot be passed to a program',
    );
  }
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Joins an argument vector into one POSIX shell command line, every element quoted. This is
 * the only way this library turns values into a remote command: callers never concatenate.
 */
export function quoteShellCommand(argv: readonly string[]): string {
  if (!Array.isArray(argv) || argv.length === 0) {
    throw new TomoException(ErrorCode.BadUserInput, 'A remote command needs at least one argument (the program)');
  }
  if (argv[0] === '') {
    throw new TomoException(ErrorCode.BadUserInput, 'The remote program name is empty');
  }
  return argv.map(quoteShellArg).join(' ');
}
