import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, TomoException } from '@tomo/shared';
import { quoteShellArg, quoteShellCommand } from './shell-quote';

/** Values an attacker might put in an app's env var, a container name, a path… */
const HOSTILE: readonly string[] = [
  '$(touch pwned-subst)',
  '`touch pwned-backtick`',
  '; touch pwned-semicolon',
  '&& touch pwned-and',
  '| touch pwned-pipe',
  "'; touch pwned-quote; '",
  '"; touch pwned-dquote; "',
  "it's",
  "''",
  '\\',
  "\\'",
  'line1\nline2',
  '\ttab and  spaces ',
  '$HOME ${PATH} $1 $@ $$',
  '*',
  '~',
  '~root',
  '#not a comment',
  '{a,b}',
  '[abc]',
  '!event',
  'A=b',
  '--flag=value',
  '-n',
  '',
  ' ',
  'héllo wörld — 日本語 🚀',
  '\r\n',
  '%s %n',
  '>out <in 2>&1',
];

function viaShell(shell: string, argv: readonly string[], cwd: string): string[] {
  // printf '%s\0' prints each argument NUL-terminated: exactly what the program received.
  const out = execFileSync(shell, ['-c', quoteShellCommand(['printf', '%s\\0', ...argv])], { cwd });
  const parts = out.toString('utf8').split('\0');
  parts.pop();
  return parts;
}

describe('quoteShellArg', () => {
  it('leaves plain words alone and quotes everything else', () => {
    expect(quoteShellArg('docker')).toBe('docker');
    expect(quoteShellArg('/usr/bin/env')).toBe('/usr/bin/env');
    expect(quoteShellArg('nginx:1.27-alpine')).toBe('nginx:1.27-alpine');
    expect(quoteShellArg('a b')).toBe("'a b'");
    expect(quoteShellArg('')).toBe("''");
    expect(quoteShellArg("it's")).toBe(`'it'\\''s'`);
    expect(quoteShellArg('$(id)')).toBe("'$(id)'");
    // An unquoted A=b in command position would be an assignment.
    expect(quoteShellArg('A=b')).toBe("'A=b'");
  });

  it('rejects NUL with BAD_USER_INPUT', () => {
    const attempt = (): string => quoteShellArg('a\0b');
    expect(attempt).toThrow(TomoException);
    expect(attempt).toThrow(/NUL/);
    try {
      attempt();
    } catch (error) {
      expect((error as TomoException).code).toBe(ErrorCode.BadUserInput);
    }
  });

  it('rejects non-strings', () => {
    expect(() => quoteShellArg(42 as unknown as string)).toThrow(/must be a string/);
  });
});

describe('quoteShellCommand', () => {
  it('rejects an empty argv, an empty program and NUL anywhere', () => {
    expect(() => quoteShellCommand([])).toThrow(/at least one argument/);
    expect(() => quoteShellCommand([''])).toThrow(/empty/);
    expect(() => quoteShellCommand(['echo', 'ok', 'x\0'])).toThrow(
      expect.objectContaining({ code: ErrorCode.BadUserInput }),
    );
  });

  const shells = ['/bin/sh', '/bin/bash', '/bin/dash', '/usr/bin/zsh'].filter((s) => existsSync(s));

  it.each(shells)('hostile values arrive as literal arguments in %s, with no side effect', (shell) => {
    const dir = mkdtempSync(join(tmpdir(), 'tomo-quote-'));
    try {
      expect(viaShell(shell, HOSTILE, dir)).toEqual(HOSTILE);
      for (const value of HOSTILE) expect(viaShell(shell, [value], dir)).toEqual([value]);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a hostile program name is still one word', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tomo-quote-'));
    try {
      expect(() =>
        execFileSync('/bin/sh', ['-c', quoteShellCommand(['true; touch pwned'])], { cwd: dir, stdio: 'ignore' }),
      ).toThrow(); // "command not found" (127), not two commands
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
