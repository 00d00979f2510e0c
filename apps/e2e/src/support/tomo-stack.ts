import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ARTIFACTS_DIR, assertBuilt, DIST, WORKSPACE_ROOT } from './workspace';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** A running Tomo installation of its own: API (serving the console) and optionally a worker. */
export interface TomoStack {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly baseUrl: string;
  readonly redisPrefix: string;
  readonly dataDir: string;
  /** The processes that have exited before `stop` (a crash), by name. */
  exitedProcesses(): string[];
  stop(): Promise<void>;
}

interface TomoProcess {
  readonly name: 'api' | 'worker';
  readonly child: ChildProcess;
  /** The process's recent output, to explain a failure. */
  output(): string;
  readonly exited: Promise<number | null>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function spawnTomo(name: 'api' | 'worker', script: string, env: NodeJS.ProcessEnv): TomoProcess {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const log = createWriteStream(join(ARTIFACTS_DIR, `${name}.log`));
  const child = spawn(process.execPath, [script], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let recent = '';
  const record = (chunk: Buffer) => {
    log.write(chunk);
    recent = (recent + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  const exited = new Promise<number | null>((resolveExit) =>
    child.on('exit', (code) => {
      log.end();
      resolveExit(code);
    }),
  );
  return { name, child, output: () => recent, exited };
}

async function waitUntil(tomo: TomoProcess, what: string, isReady: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void tomo.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(`${what} exited with code ${exitCode} before it was ready:\n${tomo.output()}`);
    }
    if (await isReady()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} was not ready after ${READY_TIMEOUT_MS} ms:\n${tomo.output()}`);
}

async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    return response.ok;
  } catch {
    return false; // not listening yet
  }
}

/** SIGTERM by pid (graceful shutdown), SIGKILL if it has not exited in time. */
async function stopProcess(tomo: TomoProcess): Promise<void> {
  if (tomo.child.exitCode !== null || tomo.child.signalCode !== null) return;
  tomo.child.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), STOP_TIMEOUT_MS).unref());
  if ((await Promise.race([tomo.exited, timeout])) === 'timeout') {
    // Not a test failure, but a graceful shutdown that hangs is a bug worth seeing.
    console.warn(`${tomo.name} (pid ${tomo.child.pid}) ignored SIGTERM for ${STOP_TIMEOUT_MS} ms; killing it`);
    tomo.child.kill('SIGKILL');
    await tomo.exited;
  }
}

async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface StartOptions {
  /** Also start a worker against the same database and Redis prefix. */
  worker?: boolean;
  /**
   * Another Redis than the test Redis, e.g. an unreachable one to see how Tomo reports it. The
   * API is then only waited for until it is live (`/health`), since it cannot become ready.
   */
  unreachableRedisUrl?: string;
  /** false: the tests need no console, so it need not be built (the MCP tests). */
  console?: boolean;
}

/**
 * Starts the built API (which serves the built console) on a free port, with a fresh data
 * directory and a Redis prefix of its own, and waits until `/health/ready` answers 200.
 */
export async function startTomo(options: StartOptions = {}): Promise<TomoStack> {
  assertBuilt(options.console ?? true);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tomo-e2e-'));
  const redisPrefix = `e2e-${randomBytes(4).toString('hex')}`;
  const env = {
    DATA_DIR: dataDir,
    TOMO_REDIS_PREFIX: redisPrefix,
    REDIS_URL: options.unreachableRedisUrl ?? REDIS_URL,
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
  };
  const processes: TomoProcess[] = [];
  const stop = async () => {
    // Workers first: they may still be finishing a job that talks to the API's database.
    for (const tomo of [...processes].reverse()) await stopProcess(tomo);
    rmSync(dataDir, { recursive: true, force: true });
    // Nothing was written to the test Redis when the stack was pointed at another one.
    if (!options.unreachableRedisUrl) await deleteRedisKeys(REDIS_URL, redisPrefix);
  };

  try {
    const api = spawnTomo('api', DIST.api, { ...env, PORT: String(port), HOST: '127.0.0.1', WEB_DIST_DIR: DIST.web });
    processes.push(api);
    const readiness = `${baseUrl}${options.unreachableRedisUrl ? '/health' : '/health/ready'}`;
    await waitUntil(api, `The API (${DIST.api})`, () => answers200(readiness));

    // The worker starts after the API has run the migrations it relies on.
    if (options.worker) {
      // The worker has no HTTP port; its "started" log line (info level) is its readiness signal.
      const worker = spawnTomo('worker', DIST.worker, { ...env, LOG_LEVEL: 'info' });
      processes.push(worker);
      await waitUntil(worker, `The worker (${DIST.worker})`, async () =>
        worker.output().includes('Tomo worker started'),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const exitedProcesses = () =>
    processes.filter((tomo) => tomo.child.exitCode !== null || tomo.child.signalCode !== null).map((tomo) => tomo.name);
  return { baseUrl, redisPrefix, dataDir, exitedProcesses, stop };
}
