/**
 * `npm run bench -- ssh [--commands=100] [--rounds=3]`: in one run against the testbed sshd,
 *  - the pool: `true` through SshConnectionPool (one pooled connection, the runner's pid
 *    wrapper, output capture), sequentially;
 *  - raw ssh2: `exec('true')` on one open ssh2 connection with TCP_NODELAY, sequentially;
 *  - the OpenSSH CLI: `ssh … true`, a new connection each time.
 * Pool and raw ssh2 alternate for `rounds` rounds (median kept) so drift hits both alike.
 * Prints progress on stderr and one JSON line on stdout.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client, type ClientChannel } from 'ssh2';
import { SshConnectionPool } from '@tomo/ssh';
import { readTestbed } from '@tomo/testing';

const arg = (name: string, fallback: number): number => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
};
const COMMANDS = arg('commands', 100);
const ROUNDS = arg('rounds', 3);
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

function cliTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'ssh',
      [
        '-p',
        String(tb.ssh.port),
        '-i',
        tb.ssh.privateKeyPath,
        '-o',
        `UserKnownHostsFile=${tb.ssh.knownHostsPath}`,
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=yes',
        `${tb.ssh.username}@${tb.ssh.host}`,
        'true',
      ],
      (error) => (error ? reject(error) : resolve()),
    );
  });
}

async function msPerCommand(
  n: number,
  run: () => Promise<unknown>,
): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) await run();
  return (performance.now() - started) / n;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
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
  const poolTrue = async (): Promise<void> => {
    const res = await session.run(['true']);
    if (res.exitCode !== 0)
      throw new Error(`pool: true exited ${res.exitCode}`);
  };
  const raw = await rawConnect();
  const rawTrue = async (): Promise<void> => {
    const code = await rawExec(raw, 'true');
    if (code !== 0) throw new Error(`raw: true exited ${code}`);
  };

  progress(`warm-up (${WARMUP} each)`);
  await msPerCommand(WARMUP, poolTrue);
  await msPerCommand(WARMUP, rawTrue);

  const poolRounds: number[] = [];
  const rawRounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    poolRounds.push(await msPerCommand(COMMANDS, poolTrue));
    rawRounds.push(await msPerCommand(COMMANDS, rawTrue));
    progress(
      `round ${r + 1}/${ROUNDS}: pool ${poolRounds[r].toFixed(2)} ms, raw ssh2 ${rawRounds[r].toFixed(2)} ms per command`,
    );
  }

  progress(`OpenSSH CLI: ${COMMANDS} × ssh … true (new connection each)`);
  const cliMsPerCmd = await msPerCommand(COMMANDS, cliTrue);

  raw.end();
  await pool.close();
  if (pool.connectionsOpened !== 1)
    throw new Error(
      `pool opened ${pool.connectionsOpened} connections, expected 1`,
    );

  const poolMsPerCmd = median(poolRounds);
  const rawSsh2MsPerCmd = median(rawRounds);
  process.stdout.write(
    `${JSON.stringify({
      poolMsPerCmd: round2(poolMsPerCmd),
      rawSsh2MsPerCmd: round2(rawSsh2MsPerCmd),
      cliMsPerCmd: round2(cliMsPerCmd),
      poolVsRaw: round2(poolMsPerCmd / rawSsh2MsPerCmd),
      poolVsCli: Math.round((poolMsPerCmd / cliMsPerCmd) * 1000) / 1000,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[bench ssh] failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
