import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, TomoException } from '@tomo/shared';
import { GitClient } from './git-client';
import { commitAll, createGitRepo, gitIn } from '@tomo/testing';
import { SAMPLE_MARKETPLACE_DIR } from './testing/sample-marketplace';

describe('GitClient (system git)', () => {
  let root: string;
  let origin: string;
  let checkout: string;
  const git = new GitClient({ timeoutMs: 30_000 });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tomo-git-client-'));
    origin = join(root, 'origin');
    checkout = join(root, 'data', 'marketplace', 'repo-1');
    createGitRepo(SAMPLE_MARKETPLACE_DIR, origin);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const errorOf = async (promise: Promise<unknown>): Promise<TomoException> => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof TomoException) return error;
      throw error;
    }
    throw new Error('expected a TomoException');
  };

  it('clones a branch, then fetches new commits and discards local changes', async () => {
    const lines: string[] = [];
    const first = await git.checkout(origin, 'main', checkout, { log: (line) => lines.push(line) });
    expect(first).toEqual({ commit: gitIn(origin, 'rev-parse', 'HEAD').trim(), cloned: true });
    expect(existsSync(join(checkout, 'apps', 'utility', 'heimdall', 'app.yaml'))).toBe(true);
    expect(lines[0]).toBe(`Cloning branch main of ${origin}`);
    // No temporary clone folder is left beside the checkout.
    expect(readdirSync(join(root, 'data', 'marketplace'))).toEqual(['repo-1']);

    rmSync(join(origin, 'apps', 'utility', 'heimdall'), { recursive: true });
    writeFileSync(join(origin, 'NEW.md'), 'new file\n');
    const second = commitAll(origin, 'second');
    writeFileSync(join(checkout, 'stray.txt'), 'left by someone\n');
    writeFileSync(join(checkout, 'manifest.json'), 'local edit');

    const update = await git.checkout(origin, 'main', checkout);
    expect(update).toEqual({ commit: second, cloned: false });
    expect(existsSync(join(checkout, 'NEW.md'))).toBe(true);
    expect(existsSync(join(checkout, 'apps', 'utility', 'heimdall'))).toBe(false);
    expect(existsSync(join(checkout, 'stray.txt'))).toBe(false);
    expect(gitIn(checkout, 'status', '--porcelain')).toBe('');
  });

  it('checks out the configured branch', async () => {
    gitIn(origin, 'checkout', '--quiet', '-b', 'stable');
    writeFileSync(join(origin, 'STABLE.md'), 'stable\n');
    const stable = commitAll(origin, 'stable only');
    gitIn(origin, 'checkout', '--quiet', 'main');
    expect((await git.checkout(origin, 'stable', checkout)).commit).toBe(stable);
    expect(existsSync(join(checkout, 'STABLE.md'))).toBe(true);
  });

  it('re-clones when the folder holds a clone of another URL', async () => {
    const other = join(root, 'other');
    createGitRepo(SAMPLE_MARKETPLACE_DIR, other);
    await git.checkout(other, 'main', checkout);
    const result = await git.checkout(origin, 'main', checkout);
    expect(result).toEqual({ commit: gitIn(origin, 'rev-parse', 'HEAD').trim(), cloned: true });
    expect(gitIn(checkout, 'config', '--get', 'remote.origin.url').trim()).toBe(origin);
  });

  it('reports a missing branch or repository as BAD_USER_INPUT and leaves no folder behind', async () => {
    const branch = await errorOf(git.checkout(origin, 'nope', checkout));
    expect(branch.code).toBe(ErrorCode.BadUserInput);
    expect(branch.message).toMatch(/^git clone failed: .*nope/);
    const repo = await errorOf(git.checkout(join(root, 'missing'), 'main', checkout));
    expect(repo.code).toBe(ErrorCode.BadUserInput);
    expect(repo.message).toMatch(/^git clone failed: .*missing/);
    expect(existsSync(checkout)).toBe(false);
    expect(readdirSync(join(root, 'data', 'marketplace'))).toEqual([]);
  });

  it('validates the URL and branch before running git', async () => {
    expect((await errorOf(git.checkout('ext::sh', 'main', checkout))).code).toBe(ErrorCode.BadUserInput);
    expect((await errorOf(git.checkout(origin, '--upload-pack=x', checkout))).message).toContain('must not start with');
  });

  it('stops git when the signal aborts, with CANCELLED', async () => {
    const controller = new AbortController();
    controller.abort();
    const before = await errorOf(git.checkout(origin, 'main', checkout, { signal: controller.signal }));
    expect(before.code).toBe(ErrorCode.Cancelled);

    // A clone that never finishes, without a network: a stand-in git binary that sleeps.
    const slow = join(root, 'slow-git');
    // It sleeps longer than the test may take: settling at all shows the abort stopped it.
    writeFileSync(slow, '#!/bin/sh\nexec sleep 600\n', { mode: 0o755 });
    const slowGit = new GitClient({ gitBinary: slow, timeoutMs: 600_000 });
    const running = new AbortController();
    setTimeout(() => running.abort(), 200);
    const during = await errorOf(slowGit.checkout(origin, 'main', checkout, { signal: running.signal }));
    expect(during.code).toBe(ErrorCode.Cancelled);
  });

  it("runs git without Tomo's secrets in its environment", async () => {
    const spy = join(root, 'env-git');
    const dump = join(root, 'git-env.txt');
    writeFileSync(spy, `#!/bin/sh\nenv > ${dump}\nexit 1\n`, { mode: 0o755 });
    const saved = { key: process.env['TOMO_MASTER_KEY'], db: process.env['DATABASE_URL'] };
    process.env['TOMO_MASTER_KEY'] = 'master key the child must not see';
    process.env['DATABASE_URL'] = 'postgres://tomo:db-password@127.0.0.1/tomo';
    try {
      await errorOf(new GitClient({ gitBinary: spy, timeoutMs: 30_000 }).checkout(origin, 'main', checkout));
    } finally {
      for (const [name, value] of [
        ['TOMO_MASTER_KEY', saved.key],
        ['DATABASE_URL', saved.db],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    const seen = readFileSync(dump, 'utf8');
    expect(seen).toMatch(/^PATH=/m);
    expect(seen).toMatch(/^GIT_TERMINAL_PROMPT=0$/m);
    expect(seen).not.toContain('master key the child must not see');
    expect(seen).not.toContain('db-password');
  });

  it('gives git a repository token as an HTTP header through its environment, never in its arguments', async () => {
    const spy = join(root, 'auth-git');
    const dump = join(root, 'git-call.txt');
    writeFileSync(spy, `#!/bin/sh\n{ echo "ARGS $*"; env; } > ${dump}\nexit 1\n`, { mode: 0o755 });
    const client = new GitClient({ gitBinary: spy, timeoutMs: 30_000 });
    await errorOf(client.checkout('https://127.0.0.1:1/repo.git', 'main', checkout, { credentials: 'ghp_sekret' }));
    const seen = readFileSync(dump, 'utf8');
    expect(seen).toMatch(/^ARGS .*https:\/\/127\.0\.0\.1:1\/repo\.git/m);
    expect(seen.split('\n').find((line) => line.startsWith('ARGS'))).not.toContain('sekret');
    expect(seen).toContain('GIT_CONFIG_KEY_0=http.extraHeader');
    expect(seen).toContain(`GIT_CONFIG_VALUE_0=Authorization: Basic ${Buffer.from('ghp_sekret:').toString('base64')}`);
  });

  it('fails with STEP_TIMEOUT when git takes longer than the timeout, and stops its helpers too', async () => {
    // Like git waiting on ssh: the stand-in starts a helper process and waits for it.
    const slow = join(root, 'slow-git');
    const helperPidFile = join(root, 'helper.pid');
    // The helper sleeps longer than the test may take: settling at all shows the timeout did not wait for it.
    writeFileSync(slow, `#!/bin/sh\nsleep 600 &\necho $! > ${helperPidFile}\nwait\n`, { mode: 0o755 });
    const error = await errorOf(
      new GitClient({ gitBinary: slow, timeoutMs: 2_000 }).checkout(origin, 'main', checkout),
    );
    expect(error.code).toBe(ErrorCode.StepTimeout);
    expect(error.message).toBe('git clone did not finish within 2 s');
    const helperPid = Number(readFileSync(helperPidFile, 'utf8'));
    expect(helperPid).toBeGreaterThan(0);
    expect(processState(helperPid)).toMatch(/^(gone|Z)$/);
  });
});

/** `gone`, or the state letter of /proc/<pid>/stat (`Z` for a zombie that nobody reaped yet). */
function processState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .charAt(0);
  } catch {
    return 'gone';
  }
}
