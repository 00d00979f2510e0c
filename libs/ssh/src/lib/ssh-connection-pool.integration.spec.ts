/**
 * The pool and the runner against the testbed's real OpenSSH server (`npm run testbed -- up`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { ErrorCode, type TomoException } from '@tomo/shared';
import { readTestbed } from '@tomo/testing';
import { SshConnectionPool, type SshCredentials, type SshServerTarget } from './ssh-connection-pool';

jest.setTimeout(60_000);

const tb = readTestbed();
const key = readFileSync(tb.ssh.privateKeyPath, 'utf8');
const encryptedKey = readFileSync(tb.ssh.encryptedKeyPath, 'utf8');

function target(credentials: SshCredentials, extra: Partial<SshServerTarget> = {}): SshServerTarget {
  return {
    host: tb.ssh.host,
    port: tb.ssh.port,
    username: tb.ssh.username,
    credentials: () => Promise.resolve(credentials),
    expectedFingerprint: tb.ssh.hostKeyFingerprint,
    ...extra,
  };
}

const pools: SshConnectionPool[] = [];
function newPool(options?: ConstructorParameters<typeof SshConnectionPool>[0]): SshConnectionPool {
  const pool = new SshConnectionPool(options);
  pools.push(pool);
  return pool;
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as TomoException).code;
  }
  throw new Error('expected a rejection');
}

/**
 * Remote processes of the testbed user whose command line is exactly `args` (ps over a fresh
 * command). Only that user's: the testbed's sshd shares the machine (and its process list) with
 * other checkouts' testbeds, which run these same commands.
 */
async function remoteProcesses(pool: SshConnectionPool, args: string): Promise<string[]> {
  const ps = await pool.run('ps', target({ privateKey: key }), ['ps', '-u', tb.ssh.username, '-o', 'pid=,args=']);
  expect(ps.exitCode).toBe(0);
  return ps.stdout.split('\n').filter((l) => l.trim().replace(/^\d+\s+/, '') === args);
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('authentication and host keys', () => {
  it('key auth: reports the fingerprint and first use when none was pinned', async () => {
    const pool = newPool();
    const session = await pool.connect('s1', target({ privateKey: key }, { expectedFingerprint: null }));
    expect(session.firstUse).toBe(true);
    expect(session.hostKeyFingerprint).toBe(tb.ssh.hostKeyFingerprint);
    const who = await session.run(['whoami']);
    expect(who).toMatchObject({
      exitCode: 0,
      stdout: `${tb.ssh.username}\n`,
      stderr: '',
    });
  });

  it('password auth', async () => {
    const pool = newPool();
    const session = await pool.connect('s1', target({ password: tb.ssh.password }));
    expect(session.firstUse).toBe(false);
    expect((await session.run(['id', '-un'])).stdout.trim()).toBe(tb.ssh.username);
  });

  it('passphrase-protected key', async () => {
    const pool = newPool();
    const res = await pool.run('s1', target({ privateKey: encryptedKey, passphrase: tb.ssh.passphrase }), ['whoami']);
    expect(res.stdout.trim()).toBe(tb.ssh.username);
  });

  it('encrypted key without / with a wrong passphrase → SSH_AUTH_FAILED with a clear message', async () => {
    const pool = newPool();
    await expect(pool.connect('s1', target({ privateKey: encryptedKey }))).rejects.toMatchObject({
      code: ErrorCode.SshAuthFailed,
      message: expect.stringMatching(/passphrase is required/),
    });
    await expect(pool.connect('s1', target({ privateKey: encryptedKey, passphrase: 'nope' }))).rejects.toMatchObject({
      code: ErrorCode.SshAuthFailed,
      message: expect.stringMatching(/wrong passphrase/),
    });
  });

  // The code tells an auth refusal from a hang (a handshake that waits for its timeout ends
  // SERVER_UNREACHABLE), so no wall-clock bound is needed (it failed on a loaded machine).
  it('wrong password → SSH_AUTH_FAILED (not a timeout), and it is not cached as a connection', async () => {
    const pool = newPool();
    const error = await pool.connect('s1', target({ password: `${tb.ssh.password}-wrong` })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.SshAuthFailed });
    expect((error as Error).message).not.toContain(tb.ssh.password);
    expect(pool.stats('s1')).toMatchObject({
      connected: false,
      connectionsOpened: 0,
    });
  });

  it('wrong pinned fingerprint → HOST_KEY_MISMATCH; nothing cached; the right pin then works', async () => {
    const pool = newPool();
    const wrong = `SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    const error = await pool
      .connect('s1', target({ privateKey: key }, { expectedFingerprint: wrong }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.HostKeyMismatch });
    expect((error as Error).message).toContain(wrong);
    expect((error as Error).message).toContain(tb.ssh.hostKeyFingerprint);
    expect(pool.stats('s1')).toMatchObject({
      connected: false,
      connectionsOpened: 0,
    });
    // Same again: permanent, not "fixed" by a retry.
    expect(await codeOf(pool.connect('s1', target({ privateKey: key }, { expectedFingerprint: wrong })))).toBe(
      ErrorCode.HostKeyMismatch,
    );
    const ok = await pool.connect('s1', target({ privateKey: key }));
    expect(ok.hostKeyFingerprint).toBe(tb.ssh.hostKeyFingerprint);
  });

  it('a live connection is not reused for a caller that pins a different key', async () => {
    const pool = newPool();
    await pool.connect('s1', target({ privateKey: key }, { expectedFingerprint: null }));
    const wrong = `SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    expect(await codeOf(pool.connect('s1', target({ privateKey: key }, { expectedFingerprint: wrong })))).toBe(
      ErrorCode.HostKeyMismatch,
    );
  });

  it('closed port → SERVER_UNREACHABLE', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise<void>((r) => server.close(() => r()));
    const pool = newPool();
    const error = await pool.connect('s1', target({ privateKey: key }, { port })).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.ServerUnreachable,
      message: expect.stringMatching(/refused/),
    });
  });

  it('a server that accepts TCP but never speaks SSH → SERVER_UNREACHABLE after readyTimeoutMs', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const pool = newPool({ readyTimeoutMs: 500 });
      expect(await codeOf(pool.connect('s1', target({ privateKey: key }, { port })))).toBe(ErrorCode.ServerUnreachable);
    } finally {
      server.close();
    }
  });
});

describe('pooling', () => {
  it('one connection for many commands; credentials read once', async () => {
    const pool = newPool();
    let reads = 0;
    const t: SshServerTarget = {
      ...target({}),
      credentials: () => {
        reads++;
        return Promise.resolve({ privateKey: key });
      },
    };
    for (let i = 0; i < 20; i++) {
      const res = await pool.run('s1', t, ['echo', String(i)]);
      expect(res.stdout).toBe(`${i}\n`);
    }
    await Promise.all(Array.from({ length: 5 }, () => pool.connect('s1', t)));
    expect(pool.stats('s1').connectionsOpened).toBe(1);
    expect(pool.connectionsOpened).toBe(1);
    expect(reads).toBe(1);
  });

  it('more concurrent commands than the channel limit queue instead of failing', async () => {
    const pool = newPool({ maxChannelsPerConnection: 8 });
    const t = target({ privateKey: key });
    const session = await pool.connect('s1', t);
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, pool.stats('s1').activeChannels);
    }, 5);
    try {
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => session.run(['sh', '-c', 'sleep 0.2; echo "$1"', 'sh', `n${i}`])),
      );
      expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 30 }, (_, i) => `n${i}\n`));
      expect(results.every((r) => r.exitCode === 0)).toBe(true);
    } finally {
      clearInterval(sampler);
    }
    expect(peak).toBe(8);
    expect(pool.stats('s1')).toMatchObject({
      connectionsOpened: 1,
      activeChannels: 0,
      queuedChannels: 0,
    });
  });

  it.each([8, 9])(
    '%i channels at a time, 200 commands back to back: no "open failed" reaches the caller',
    async (max) => {
      const pool = newPool({ maxChannelsPerConnection: max });
      const session = await pool.connect('s1', target({ privateKey: key }));
      const results = await Promise.all(Array.from({ length: 200 }, () => session.run(['true'])));
      expect(results.every((r) => r.exitCode === 0)).toBe(true);
      expect(pool.connectionsOpened).toBe(1);
    },
  );

  it('a dropped connection is re-established on the next use', async () => {
    const pool = newPool();
    const t = target({ privateKey: key });
    const session = await pool.connect('s1', t);
    expect((await session.run(['true'])).exitCode).toBe(0);
    // Kill this connection's own sshd process (the nearest sshd ancestor): the TCP connection goes away.
    const killSshd =
      'p=$$; while :; do p=$(ps -o ppid= -p "$p" | tr -d " "); [ "${p:-0}" -gt 1 ] || exit 3; ' +
      'case "$(ps -o comm= -p "$p")" in sshd*) kill -KILL "$p"; sleep 5; exit 0;; esac; done';
    const killed = await session.run(['sh', '-c', killSshd]).catch((e: unknown) => e);
    expect(killed).toMatchObject({ code: ErrorCode.ServerUnreachable });
    expect(await waitFor(() => Promise.resolve(!pool.stats('s1').connected), 5_000)).toBe(true);
    const again = await session.run(['echo', 'back']);
    expect(again.stdout).toBe('back\n');
    expect(pool.stats('s1').connectionsOpened).toBe(2);
  });

  it('idle connections are closed and reopened on demand', async () => {
    const pool = newPool({ idleTimeoutMs: 200 });
    const session = await pool.connect('s1', target({ privateKey: key }));
    await session.run(['true']);
    expect(pool.stats('s1').connected).toBe(true);
    await new Promise((r) => setTimeout(r, 600));
    expect(pool.stats('s1').connected).toBe(false);
    expect((await session.run(['echo', 'hi'])).stdout).toBe('hi\n');
    expect(pool.connectionsOpened).toBe(2);
  });
});

describe('remote commands', () => {
  const pool = newPool();
  const t = target({ privateKey: key });

  it('hostile arguments come back byte for byte and have no side effect', async () => {
    const marker = `/tmp/pwned-${randomBytes(6).toString('hex')}`;
    const hostile = [
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `; touch ${marker}`,
      `&& touch ${marker} &&`,
      `| touch ${marker}`,
      `'; touch ${marker}; '`,
      `"; touch ${marker}; "`,
      `it's "quoted" \\ back\\slash`,
      'multi\nline\n',
      '$HOME ${PATH} $$ $1 $@ *',
      '~ {a,b} [x] #c !h',
      'A=b',
      '-n',
      '',
      'héllo wörld — 日本語 🚀',
      '\r\t\u0001\u007f',
    ];
    const res = await pool.run('s1', t, ['printf', '%s\\0', ...hostile]);
    expect(res.exitCode).toBe(0);
    expect(res.stdout).toBe(hostile.map((h) => `${h}\0`).join(''));
    const lines = await pool.run('s1', t, ['printf', '%s\\n', ...hostile.filter((h) => !h.includes('\n'))]);
    expect(lines.stdout).toBe(
      hostile
        .filter((h) => !h.includes('\n'))
        .map((h) => `${h}\n`)
        .join(''),
    );
    const exists = await pool.run('s1', t, ['test', '-e', marker]);
    expect(exists.exitCode).toBe(1);
    expect(existsSync(marker)).toBe(false);
  });

  it('NUL is refused with BAD_USER_INPUT before anything is sent', async () => {
    expect(await codeOf(pool.run('s1', t, ['echo', 'a\0b']))).toBe(ErrorCode.BadUserInput);
  });

  it('returns non-zero exit codes and stderr', async () => {
    const res = await pool.run('s1', t, ['sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(res).toMatchObject({
      exitCode: 7,
      stdout: 'out\n',
      stderr: 'err\n',
    });
    const missing = await pool.run('s1', t, ['tomo-no-such-program']);
    expect(missing.exitCode).toBe(127);
  });

  it('streams output lines in order to the callback', async () => {
    const seen: string[] = [];
    const res = await pool.run(
      's1',
      t,
      ['sh', '-c', 'i=1; while [ $i -le 500 ]; do echo "line $i"; i=$((i+1)); done; echo done >&2'],
      {
        onOutput: (line, stream) => seen.push(`${stream} ${line}`),
      },
    );
    expect(res.exitCode).toBe(0);
    expect(seen).toEqual([...Array.from({ length: 500 }, (_, i) => `stdout line ${i + 1}`), 'stderr done']);
  });

  it('lines arrive while the command is still running', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    // Cancelled on the first line: had lines waited for the end, `a` would come after the
    // sleep, then `b`, and the command would have finished instead.
    const run = pool.run('s1', t, ['sh', '-c', 'echo a; sleep 30; echo b'], {
      signal: controller.signal,
      onOutput: (line) => {
        seen.push(line);
        controller.abort();
      },
    });
    expect(await codeOf(run)).toBe(ErrorCode.Cancelled);
    expect(seen).toEqual(['a']);
  });

  it('passes stdin', async () => {
    const res = await pool.run('s1', t, ['wc', '-c'], {
      stdin: 'x'.repeat(100_000),
    });
    expect(res.stdout.trim()).toBe('100000');
  });

  it('abort: CANCELLED, and the remote process group (with its children) is gone', async () => {
    const n = 3000 + Math.floor(Math.random() * 900);
    const controller = new AbortController();
    const script = `sleep ${n} & sleep ${n + 1}; wait`;
    const run = pool.run('s1', t, ['sh', '-c', script], {
      signal: controller.signal,
    });
    expect(await waitFor(async () => (await remoteProcesses(pool, `sleep ${n + 1}`)).length === 1, 20_000)).toBe(true);
    expect(await remoteProcesses(pool, `sleep ${n}`)).toHaveLength(1);
    expect(await remoteProcesses(pool, `sh -c ${script}`)).toHaveLength(1);
    controller.abort();
    // Settling at all (within the test's timeout) shows the abort did not wait for the
    // command: its sleeps would run for an hour.
    expect(await codeOf(run)).toBe(ErrorCode.Cancelled);
    // Settling means it is gone already: no waiting here.
    expect(await remoteProcesses(pool, `sleep ${n}`)).toEqual([]);
    expect(await remoteProcesses(pool, `sleep ${n + 1}`)).toEqual([]);
    expect(await remoteProcesses(pool, `sh -c ${script}`)).toEqual([]);
    expect(pool.stats('s1').activeChannels).toBe(0);
  });

  it('a process that ignores SIGTERM is killed after the grace period', async () => {
    const n = 4000 + Math.floor(Math.random() * 900);
    const controller = new AbortController();
    const run = pool.run('s1', t, ['sh', '-c', `trap '' TERM; sleep ${n}`], {
      signal: controller.signal,
      killGraceMs: 300,
    });
    expect(await waitFor(async () => (await remoteProcesses(pool, `sleep ${n}`)).length > 0, 20_000)).toBe(true);
    const startedAt = Date.now();
    controller.abort();
    expect(await codeOf(run)).toBe(ErrorCode.Cancelled);
    // TERM was ignored: it took the grace period and a KILL.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
    expect(await remoteProcesses(pool, `sleep ${n}`)).toEqual([]);
    expect(await remoteProcesses(pool, `sh -c trap '' TERM; sleep ${n}`)).toEqual([]);
  });

  it('timeout: STEP_TIMEOUT, and the remote process is gone', async () => {
    const n = 5000 + Math.floor(Math.random() * 900);
    const seen: string[] = [];
    // The line says the command ran before its time was up (so "gone" means killed), without
    // racing a ps against the timeout; `exec` makes the sleep the process that must go.
    const run = pool.run('s1', t, ['sh', '-c', `echo running; exec sleep ${n}`], {
      timeoutMs: 2_000,
      onOutput: (line) => seen.push(line),
    });
    // Settling at all (within the test's timeout) shows the timeout did not wait for the command.
    expect(await codeOf(run)).toBe(ErrorCode.StepTimeout);
    expect(seen).toEqual(['running']);
    expect(await remoteProcesses(pool, `sleep ${n}`)).toEqual([]);
  });

  it('sleep 300 aborted', async () => {
    const controller = new AbortController();
    const run = pool.run('s1', t, ['sleep', '300'], {
      signal: controller.signal,
    });
    expect(await waitFor(async () => (await remoteProcesses(pool, 'sleep 300')).length === 1, 20_000)).toBe(true);
    controller.abort();
    expect(await codeOf(run)).toBe(ErrorCode.Cancelled);
    expect(await remoteProcesses(pool, 'sleep 300')).toEqual([]);
  });
});
