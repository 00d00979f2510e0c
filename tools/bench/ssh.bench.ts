/**
 * `npm run bench -- ssh [--commands=100] [--rounds=3] [--parallel=8]`: in one run against the
 * testbed sshd, `true` run
 *  - through the pool: SshConnectionPool (one pooled connection, the runner's pid wrapper,
 *    output capture);
 *  - raw ssh2: `exec('true')` on one open ssh2 connection with TCP_NODELAY;
 *  - the OpenSSH CLI multiplexed over a ControlMaster connection (`-o ControlMaster=auto
 *    -o ControlPath=… -o ControlPersist=…`): what a shell script that reuses its connection
 *    pays per command, the honest CLI baseline;
 *  - the OpenSSH CLI with a new connection each time (for reference).
 * Each of the first three runs `commands` commands one after the other and `commands` commands
 * `parallel` at a time (channels of the one connection); they alternate for `rounds` rounds
 * (median kept) so drift hits all alike. Progress on stderr, one JSON line on stdout.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client, type ClientChannel } from 'ssh2';
import { SshConnectionPool } from '@tomo/ssh';
import { readTestbed, TEST_REDIS_URL } from '@tomo/testing';
import { numberArg, runEnv } from '../chaos/support/run-env';
import { OpenSsh } from './support/openssh';
import { median, sleep } from './support/stats';

const COMMANDS = numberArg('commands', 100);
const ROUNDS = numberArg('rounds', 3);
const PARALLEL = numberArg('parallel', 8);
const WARMUP = 20;

const progress = (message: string): void => {
  process.stderr.write(`[bench ssh] ${message}\n`);
};

const tb = readTestbed();
const privateKey = readFileSync(tb.ssh.privateKeyPath, 'utf8');

function rawConnect(): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client)).once('error', reject);
    client.connect({
      host: tb.ssh.host,
      port: tb.ssh.port,
      username: tb.ssh.username,
      privateKey,
      hostVerifier: () => true,
    });
    // The socket exists once connect() has been called; before that setNoDelay is a no-op.
    client.setNoDelay(true);
  });
}

function rawExec(client: Client, command: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err: Error | undefined, stream: ClientChannel) => {
      if (err) return reject(err);
      stream.resume();
      stream.stderr.resume();
      stream.on('close', (code: number | null) => resolve(code));
    });
  });
}

/** Mean ms per command of `n` commands, `parallel` in flight at a time. */
async function msPerCommand(n: number, run: () => Promise<unknown>, parallel = 1): Promise<number> {
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < n) {
      next++;
      await run();
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return (performance.now() - started) / n;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

async function main(): Promise<void> {
  const pool = new SshConnectionPool();
  const session = await pool.connect('bench', {
    host: tb.ssh.host,
    port: tb.ssh.port,
    username: tb.ssh.username,
    credentials: () => Promise.resolve({ privateKey }),
    expectedFingerprint: tb.ssh.hostKeyFingerprint,
  });
  const raw = await rawConnect();
  const openSsh = new OpenSsh(tb);
  const methods: Record<'pool' | 'rawSsh2' | 'controlMaster', () => Promise<void>> = {
    pool: async () => {
      const res = await session.run(['true']);
      if (res.exitCode !== 0) throw new Error(`pool: true exited ${res.exitCode}`);
    },
    rawSsh2: async () => {
      for (;;) {
        try {
          const code = await rawExec(raw, 'true');
          if (code !== 0) throw new Error(`raw: true exited ${code}`);
          return;
        } catch (error) {
          // sshd frees a session slot only after both sides closed the channel: with PARALLEL
          // channels in flight a new open can hit MaxSessions (10) for a moment; the pool
          // retries then too.
          if (!/Channel open failure/i.test((error as Error).message)) throw error;
          rawOpenRetries++;
          await sleep(1);
        }
      }
    },
    // The first call starts the master connection (in the warm-up); the rest ride on it.
    controlMaster: async () => {
      await openSsh.runMultiplexed('true');
    },
  };
  const names = Object.keys(methods) as (keyof typeof methods)[];
  const sequential = Object.fromEntries(names.map((name) => [name, [] as number[]]));
  const concurrent = Object.fromEntries(names.map((name) => [name, [] as number[]]));
  let cliMsPerCmd = 0;
  let rawOpenRetries = 0;
  try {
    progress(`warm-up (${WARMUP} each)`);
    for (const name of names) await msPerCommand(WARMUP, methods[name]);

    for (let r = 0; r < ROUNDS; r++) {
      // Alternate the order so that a drift within a round does not always favour the same one.
      const order = r % 2 === 0 ? names : [...names].reverse();
      for (const name of order) sequential[name].push(await msPerCommand(COMMANDS, methods[name]));
      for (const name of order) concurrent[name].push(await msPerCommand(COMMANDS, methods[name], PARALLEL));
      progress(
        `round ${r + 1}/${ROUNDS} ms per command, sequential / ${PARALLEL} at a time: ` +
          names
            .map((name) => `${name} ${sequential[name][r].toFixed(2)} / ${concurrent[name][r].toFixed(2)}`)
            .join(', '),
      );
    }

    progress(`OpenSSH CLI: ${COMMANDS} × ssh … true (new connection each)`);
    cliMsPerCmd = await msPerCommand(COMMANDS, () => openSsh.run('true'));
  } finally {
    await openSsh.close();
    raw.end();
    await pool.close();
  }
  if (pool.connectionsOpened !== 1) throw new Error(`pool opened ${pool.connectionsOpened} connections, expected 1`);

  const poolMsPerCmd = median(sequential['pool']);
  const rawSsh2MsPerCmd = median(sequential['rawSsh2']);
  const controlMasterMsPerCmd = median(sequential['controlMaster']);
  const parallelMs = Object.fromEntries(names.map((name) => [name, round2(median(concurrent[name]))]));
  process.stdout.write(
    `${JSON.stringify({
      poolMsPerCmd: round2(poolMsPerCmd),
      rawSsh2MsPerCmd: round2(rawSsh2MsPerCmd),
      controlMasterMsPerCmd: round2(controlMasterMsPerCmd),
      cliMsPerCmd: round2(cliMsPerCmd),
      poolVsRaw: round2(poolMsPerCmd / rawSsh2MsPerCmd),
      poolVsControlMaster: round2(poolMsPerCmd / controlMasterMsPerCmd),
      poolVsCli: Math.round((poolMsPerCmd / cliMsPerCmd) * 1000) / 1000,
      // Mean ms per command (wall time ÷ commands) with PARALLEL commands in flight on one connection.
      parallel: {
        commands: PARALLEL,
        msPerCmd: parallelMs,
        poolVsRaw: round2(parallelMs['pool'] / parallelMs['rawSsh2']),
        poolVsControlMaster: round2(parallelMs['pool'] / parallelMs['controlMaster']),
      },
      rawOpenRetries,
      commands: COMMANDS,
      rounds: ROUNDS,
      env: await runEnv(TEST_REDIS_URL, 'none'),
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench ssh] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
