import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface SqliteCheckpointerOptions {
  /** The database file. */
  path: string;
  /** How often the thread checkpoints (ms). */
  intervalMs: number;
  busyTimeoutMs: number;
  onError: (message: string) => void;
}

/** WAL pages after which a committing connection checkpoints by itself anyway (SQLite's default is 1000). */
export const SAFETY_NET_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * The thread's code, run with `eval` so that it needs no file of its own next to the bundle.
 * It loads better-sqlite3 the way the process did: resolved from the main script, else from
 * the working directory.
 */
const THREAD_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { createRequire } = require('node:module');
const report = (error) => parentPort.postMessage({ error: String((error && error.message) || error) });
let Database;
for (const base of workerData.resolveFrom) {
  try { Database = createRequire(base)('better-sqlite3'); break; } catch {}
}
if (!Database) {
  report('better-sqlite3 could not be loaded');
} else {
  const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
  db.pragma('synchronous = NORMAL');
  const timer = setInterval(() => {
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { report(error); }
  }, workerData.intervalMs);
  parentPort.on('message', (message) => {
    if (message !== 'stop') return;
    clearInterval(timer);
    db.close();
    parentPort.close();
  });
}
`;

const STOP_TIMEOUT_MS = 5_000;

/**
 * WAL checkpoints on a thread of their own. By default SQLite checkpoints inside the COMMIT
 * that takes the WAL past 1000 pages: that commit copies the pages into the database file
 * and, with synchronous=NORMAL, waits for two fsyncs, so a busy worker's event loop stood
 * still for ~4 ms every few dozen commits (12 % of its time in the workflow benchmark).
 * The thread's own connection runs PASSIVE checkpoints, which never block writers; the
 * process's connection keeps a much higher automatic limit only as a safety net.
 */
export class SqliteCheckpointer {
  private readonly exited: Promise<void>;

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
  }

  static start(options: SqliteCheckpointerOptions): SqliteCheckpointer {
    const resolveFrom = [process.argv[1], join(process.cwd(), 'index.js')].filter((base): base is string =>
      Boolean(base),
    );
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: {
        path: options.path,
        intervalMs: options.intervalMs,
        busyTimeoutMs: options.busyTimeoutMs,
        resolveFrom,
      },
    });
    worker.on('message', (message: { error?: string }) => {
      if (message.error) options.onError(message.error);
    });
    worker.on('error', (error) => options.onError(error.message));
    worker.unref();
    return new SqliteCheckpointer(worker);
  }

  /** Lets a running checkpoint finish, closes the thread's connection and ends the thread. */
  async stop(): Promise<void> {
    this.worker.postMessage('stop');
    const timer = setTimeout(() => void this.worker.terminate(), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }
}
