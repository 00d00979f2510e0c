import { spawn } from 'node:child_process';
import { childEnvironment } from '@tomo/config';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, normalize } from 'node:path';
import { ErrorCode, TomoException } from '@tomo/shared';

export interface GitRunOptions {
  /** Aborting kills the running git process; the call then fails with CANCELLED. */
  signal?: AbortSignal;
  /** Per git command; the default is the client's. */
  timeoutMs?: number;
  /** Progress lines for the job timeline (never holds credentials). */
  log?: (line: string) => void;
  /**
   * The user info of an https URL (a token) kept apart from it (see splitUrlCredentials). git gets
   * it as an HTTP Basic header through its environment: never in its arguments (visible in `ps`)
   * nor in the checkout's `.git/config`.
   */
  credentials?: string | null;
}

export interface CheckoutResult {
  /** The commit now checked out (full hash). */
  commit: string;
  /** True when the folder was cloned afresh, false when an existing clone was fetched. */
  cloned: boolean;
}

export const DEFAULT_GIT_TIMEOUT_MS = 120_000;
const MAX_URL_LENGTH = 500;
const MAX_BRANCH_LENGTH = 200;

const invalid = (message: string) => new TomoException(ErrorCode.BadUserInput, message);

const URL_RULE =
  'must be an https:// or ssh:// URL, an scp-like address (git@host:owner/repo.git) or an absolute local path';

/**
 * Checks a marketplace repository address and returns it trimmed. Accepted: `https://host/…`,
 * `ssh://[user@]host[:port]/…`, `user@host:path` and absolute local paths. Refused: other
 * schemes (`http`, `git`, `file`), git's `<transport>::<address>` syntax (`ext::` runs commands),
 * anything that starts with `-` (it would be read as an option), passwords in the URL (they
 * would be stored and shown in clear), whitespace and control characters.
 */
export function validateRepoUrl(input: string): string {
  const url = input.trim();
  if (url === '') throw invalid(`Repository URL must not be empty; it ${URL_RULE}`);
  if (url.length > MAX_URL_LENGTH) throw invalid(`Repository URL must be at most ${MAX_URL_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(url))
    throw invalid('Repository URL must not contain spaces or control characters');
  if (url.startsWith('-')) throw invalid('Repository URL must not start with "-"');
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(url)) {
    throw invalid(`Repository URL must not use a git transport prefix such as file:: or ext::; it ${URL_RULE}`);
  }
  if (url.startsWith('/')) {
    if (normalize(url).replace(/\/+$/, '') !== url.replace(/\/+$/, '')) {
      throw invalid('Repository path must be absolute and normalized (no "." or ".." segments)');
    }
    return url;
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme !== 'https' && scheme !== 'ssh')
      throw invalid(`Repository URL scheme ${scheme}:// is not allowed; it ${URL_RULE}`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalid(`Repository URL ${url} is not a valid URL`);
    }
    if (parsed.hostname === '' || parsed.hostname.startsWith('-')) throw invalid('Repository URL must name a host');
    if (parsed.password !== '') {
      throw invalid('Repository URL must not contain a password; use an ssh:// URL with a key, or a credential helper');
    }
    if (parsed.pathname === '/' || parsed.pathname === '') throw invalid('Repository URL must name a repository path');
    return url;
  }
  // scp-like: [user@]host:path, where the host has no slash (git's own rule for telling it from a path).
  const scp = /^(?:([^@/:]+)@)?([^@/:]+):(.+)$/.exec(url);
  if (scp && scp[1] !== undefined) {
    const [, user = '', host = '', path = ''] = scp;
    if (user.startsWith('-') || host.startsWith('-') || path.startsWith('-')) {
      throw invalid('Repository address must not have a part that starts with "-"');
    }
    if (/^[A-Za-z0-9._-]+$/.test(user) && /^[A-Za-z0-9.-]+$/.test(host)) return url;
  }
  throw invalid(`Repository URL ${url} is not accepted; it ${URL_RULE}`);
}

/** Checks a branch name (a subset of `git check-ref-format --branch`) and returns it. */
export function validateBranch(input: string): string {
  const branch = input.trim();
  const problem =
    branch === ''
      ? 'must not be empty'
      : branch.length > MAX_BRANCH_LENGTH
        ? `must be at most ${MAX_BRANCH_LENGTH} characters`
        : branch.startsWith('-') || branch.startsWith('/') || branch.startsWith('.')
          ? 'must not start with "-", "/" or "."'
          : !/^[A-Za-z0-9._/-]+$/.test(branch)
            ? 'may only contain letters, digits, ".", "_", "/" and "-"'
            : /\.\.|\/\/|\/\.|\.lock$|\.lock\/|\/$|\.$/.test(branch)
              ? 'is not a valid git branch name'
              : null;
  if (problem) throw invalid(`Branch ${JSON.stringify(branch)} ${problem}`);
  return branch;
}

/**
 * A validated https URL without its user info (`https://TOKEN@host/…` → `https://host/…`) and the
 * user info itself, decoded; for other URLs the user (ssh's `git@`) is an address, not a secret.
 */
export function splitUrlCredentials(url: string): { url: string; credentials: string | null } {
  if (!/^https:\/\//i.test(url)) return { url, credentials: null };
  const parsed = new URL(url);
  if (parsed.username === '') return { url, credentials: null };
  const credentials = decodeURIComponent(parsed.username);
  return { url: url.replace(/^(https:\/\/)[^/@]*@/i, '$1'), credentials };
}

/** Hides `user:password@` and `token@` parts of https URLs that git may print. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/(https?:\/\/)[^/\s@]+@/g, '$1***@');
}

/**
 * Clones and updates marketplace repositories with the system `git`, always with an argument
 * array (no shell), `--` before every user-supplied value, no terminal or askpass prompts,
 * the `ext` transport and symbolic links disabled, a timeout and cancellation.
 */
export class GitClient {
  constructor(private readonly defaults: { timeoutMs?: number; gitBinary?: string } = {}) {}

  /**
   * Makes `dir` a shallow checkout of `branch` of `url`: fetches into an existing clone of the
   * same URL, else clones into a temporary sibling folder and moves it into place (so a failed
   * clone never leaves a half-written folder). Local changes in `dir` are discarded.
   */
  async checkout(url: string, branch: string, dir: string, options: GitRunOptions = {}): Promise<CheckoutResult> {
    validateRepoUrl(url);
    validateBranch(branch);
    const log = options.log ?? (() => undefined);
    if (await this.isCloneOf(dir, url, options)) {
      log(`Fetching branch ${branch}`);
      await this.git(
        [
          '-C',
          dir,
          'fetch',
          '--depth=1',
          '--no-tags',
          '--',
          'origin',
          `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
        ],
        options,
      );
      await this.git(['-C', dir, 'checkout', '--force', '-B', branch, `refs/remotes/origin/${branch}`, '--'], options);
      await this.git(['-C', dir, 'clean', '-ffdx'], options);
      const commit = await this.head(dir, options);
      log(`Checked out ${commit.slice(0, 12)}`);
      return { commit, cloned: false };
    }
    await rm(dir, { recursive: true, force: true });
    await mkdir(dirname(dir), { recursive: true });
    const temp = `${dir}.clone-${randomBytes(4).toString('hex')}`;
    try {
      log(`Cloning branch ${branch} of ${redactUrlCredentials(url)}`);
      await this.git(
        ['clone', '--depth=1', '--single-branch', '--no-tags', `--branch=${branch}`, '--', url, temp],
        options,
      );
      await rename(temp, dir);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
    const commit = await this.head(dir, options);
    log(`Checked out ${commit.slice(0, 12)}`);
    return { commit, cloned: true };
  }

  private async head(dir: string, options: GitRunOptions): Promise<string> {
    return (await this.git(['-C', dir, 'rev-parse', '--verify', 'HEAD^{commit}'], options)).trim();
  }

  private async isCloneOf(dir: string, url: string, options: GitRunOptions): Promise<boolean> {
    try {
      if (!(await stat(dir)).isDirectory()) return false;
      const origin = await this.git(['-C', dir, 'config', '--get', 'remote.origin.url'], options);
      return origin.trim() === url;
    } catch (error) {
      if (error instanceof TomoException && error.code === ErrorCode.Cancelled) throw error;
      return false;
    }
  }

  /**
   * Runs git and resolves with its stdout; failures become TomoExceptions naming the command.
   * git runs in its own process group so that a timeout or an abort also stops the helpers it
   * started (ssh, git-remote-https, upload-pack), not only git itself.
   */
  private git(args: string[], options: GitRunOptions): Promise<string> {
    const timeoutMs = options.timeoutMs ?? this.defaults.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
    const command = (args[0] === '-C' ? args[2] : args[0]) ?? 'git';
    const cancelled = () => new TomoException(ErrorCode.Cancelled, `git ${command} was cancelled`);
    if (options.signal?.aborted) return Promise.reject(cancelled());
    return new Promise((resolve, reject) => {
      const child = spawn(this.defaults.gitBinary ?? 'git', [...SAFE_CONFIG, ...args], {
        env: gitEnvironment(options.credentials),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let stdout = '';
      let stderr = '';
      let stopped: 'timeout' | 'abort' | null = null;
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        if (stdout.length < MAX_OUTPUT) stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-MAX_OUTPUT);
      });
      const stop = (reason: 'timeout' | 'abort') => {
        stopped ??= reason;
        killGroup(child.pid, 'SIGTERM');
        setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
      };
      const onAbort = () => stop('abort');
      const timer = setTimeout(() => stop('timeout'), timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (error: TomoException | null) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(stdout);
      };
      child.on('error', (error) => finish(gitFailure(command, error.message)));
      child.on('close', (code) => {
        if (stopped === 'abort') return finish(cancelled());
        if (stopped === 'timeout') {
          const limit = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`;
          return finish(new TomoException(ErrorCode.StepTimeout, `git ${command} did not finish within ${limit}`));
        }
        finish(code === 0 ? null : gitFailure(command, stderr || `exit code ${String(code)}`));
      });
    });
  }
}

const MAX_OUTPUT = 1024 * 1024;
/** After SIGTERM, how long git and its helpers get before SIGKILL. */
const KILL_GRACE_MS = 2_000;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** `-c` settings for every git command: the ext transport runs commands, symlinks could point out of the checkout, hooks run code. */
const SAFE_CONFIG = [
  '-c',
  'protocol.ext.allow=never',
  '-c',
  'core.symlinks=false',
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'advice.detachedHead=false',
];

function gitEnvironment(credentials?: string | null): NodeJS.ProcessEnv {
  // git needs PATH, HOME (ssh keys, known_hosts) and SSH_AUTH_SOCK from the process, never Tomo's secrets.
  return childEnvironment({
    // `-c http.extraHeader=…` through the environment (git ≥ 2.31), as curl would send `token@`.
    ...(credentials && {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`${credentials}:`).toString('base64')}`,
    }),
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS_REQUIRE: 'never',
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new',
    GIT_CONFIG_NOSYSTEM: '1',
    LC_ALL: 'C',
  });
}

const PERMANENT_FAILURE =
  /not found|does not exist|could not find remote branch|couldn't find remote ref|does not appear to be a git repository|not a git repository|authentication failed|permission denied|could not read username|terminal prompts disabled|host key verification failed/i;
const NETWORK_FAILURE =
  /could not resolve host|connection (refused|timed out|reset)|network is unreachable|operation timed out|early eof|the remote end hung up/i;

/** A failed git command as a TomoException: wrong address or branch is permanent, a network problem is worth a retry. */
function gitFailure(command: string, stderr: string): TomoException {
  const lines = redactUrlCredentials(stderr)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('warning:') && !line.startsWith('hint:'));
  // git's own diagnosis is on its `fatal:`/`error:` lines; what follows them is generic advice.
  const diagnosis = lines.filter((line) => /^(fatal|error):/.test(line));
  const detail =
    (diagnosis.length > 0 ? diagnosis.slice(0, 2) : lines.slice(-3)).join(' ').slice(0, 500) || 'no output';
  const message = `git ${command} failed: ${detail}`;
  const all = lines.join('\n');
  if (PERMANENT_FAILURE.test(all)) return new TomoException(ErrorCode.BadUserInput, message);
  if (NETWORK_FAILURE.test(all)) return new TomoException(ErrorCode.ServerUnreachable, message);
  return new TomoException(ErrorCode.GitFailed, message);
}
