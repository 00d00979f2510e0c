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

/** One process of a stack: an API replica or a worker. */
export interface TomoProcess {
  /** `api-1`, `worker-2`, …: also the name of its log file in the artifacts directory. */
  readonly name: string;
  readonly child: ChildProcess;
  /** The process's recent output, to explain a failure. */
  output(): string;
  readonly exited: Promise<number | null>;
}

export interface TomoApi {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly baseUrl: string;
  readonly process: TomoProcess;
}

/** A running Tomo installation of its own: API replicas (serving the console) and workers. */
export interface TomoStack {
  /** The first API's `http://127.0.0.1:<port>`, no trailing slash. */
  readonly baseUrl: string;
  readonly redisPrefix: string;
  readonly dataDir: string;
  /** In the order they were started; a killed one stays listed. */
  readonly apis: readonly TomoApi[];
  readonly workers: readonly TomoProcess[];
  /** Starts one more API replica on a free port and waits until it is ready. */
  startApi(): Promise<TomoApi>;
  /** Starts one more worker and waits until it has started. */
  startWorker(): Promise<TomoProcess>;
  /** The processes that have exited before `stop` (a crash, or a kill by the test), by name. */
  exitedProcesses(): string[];
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
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

function spawnTomo(name: string, script: string, env: NodeJS.ProcessEnv): TomoProcess {
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
  /** API replicas to start at the same moment, as an orchestrator does (default 1). */
  apis?: number;
  /**
   * Another Redis than the test Redis, e.g. an unreachable one to see how Tomo reports it. The
   * API is then only waited for until it is live (`/health`), since it cannot become ready.
   */
  unreachableRedisUrl?: string;
  /** false: the tests need no console, so it need not be built (the MCP tests). */
  console?: boolean;
  /**
   * A Postgres database (`DATABASE_URL`) instead of SQLite. Each process then gets a data
   * directory of its own and the same `TOMO_MASTER_KEY`, as replicas on separate machines
   * would: they share only Redis, the database and the master key.
   */
  databaseUrl?: string;
  /** More environment for every process (e.g. `JOB_STALL_TIMEOUT_MS`). */
  env?: Record<string, string>;
}

/**
 * Starts the built API (which serves the built console) on a free port, with a fresh data
 * directory and a Redis prefix of its own, and waits until `/health/ready` answers 200.
 * `startApi` and `startWorker` add replicas and workers to the same installation.
 */
export async function startTomo(options: StartOptions = {}): Promise<TomoStack> {
  assertBuilt(options.console ?? true);
  const dataDir = mkdtempSync(join(tmpdir(), 'tomo-e2e-'));
  const redisPrefix = `e2e-${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    TOMO_REDIS_PREFIX: redisPrefix,
    REDIS_URL: options.unreachableRedisUrl ?? REDIS_URL,
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    ...(options.databaseUrl && { DATABASE_URL: options.databaseUrl, TOMO_MASTER_KEY: randomBytes(32).toString('hex') }),
    ...options.env,
  };
  const apis: TomoApi[] = [];
  const workers: TomoProcess[] = [];
  /** SQLite lives in the data directory, so then every process shares it; on Postgres each has its own. */
  const dataDirOf = (name: string) => {
    if (!options.databaseUrl) return dataDir;
    const own = join(dataDir, name);
    mkdirSync(own);
    return own;
  };

  let apisStarted = 0;
  const startApi = async (): Promise<TomoApi> => {
    const name = `api-${++apisStarted}`;
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const api = spawnTomo(name, DIST.api, {
      ...env,
      DATA_DIR: dataDirOf(name),
      PORT: String(port),
      HOST: '127.0.0.1',
      WEB_DIST_DIR: DIST.web,
    });
    const replica = { baseUrl, process: api };
    apis.push(replica);
    const readiness = `${baseUrl}${options.unreachableRedisUrl ? '/health' : '/health/ready'}`;
    await waitUntil(api, `The API ${name} (${DIST.api})`, () => answers200(readiness));
    return replica;
  };

  const startWorker = async (): Promise<TomoProcess> => {
    const name = `worker-${workers.length + 1}`;
    // The worker has no HTTP port; its "started" log line (info level) is its readiness signal.
    // Its metrics on a free port (unless the test names one): stacks and workers side by side would collide on 9464.
    const worker = spawnTomo(name, DIST.worker, {
      METRICS_PORT: '0',
      ...env,
      DATA_DIR: dataDirOf(name),
      LOG_LEVEL: 'info',
    });
    workers.push(worker);
    await waitUntil(worker, `The worker ${name} (${DIST.worker})`, async () =>
      worker.output().includes('Tomo worker started'),
    );
    return worker;
  };

  const stop = async () => {
    // Workers first: they may still be finishing a job that talks to the API's database.
    for (const tomo of [...workers, ...apis.map((api) => api.process)]) await stopProcess(tomo);
    rmSync(dataDir, { recursive: true, force: true });
    // Nothing was written to the test Redis when the stack was pointed at another one.
    if (!options.unreachableRedisUrl) await deleteRedisKeys(REDIS_URL, redisPrefix);
  };

  try {
    await Promise.all(Array.from({ length: options.apis ?? 1 }, startApi));
    // The worker starts after the API has run the migrations it relies on.
    if (options.worker) await startWorker();
  } catch (error) {
    await stop();
    throw error;
  }
  const exitedProcesses = () =>
    [...apis.map((api) => api.process), ...workers]
      .filter(({ child }) => child.exitCode !== null || child.signalCode !== null)
      .map(({ name }) => name);
  return {
    baseUrl: apis[0].baseUrl,
    redisPrefix,
    dataDir,
    apis,
    workers,
    startApi,
    startWorker,
    exitedProcesses,
    stop,
  };
}
