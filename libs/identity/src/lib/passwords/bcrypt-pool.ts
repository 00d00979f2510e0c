import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * bcryptjs is pure JavaScript: one cost-12 hash holds a thread for ~0.25 s. Run on the event
 * loop, a handful of logins at once stall every other request of the process, so hashing runs
 * on a few threads of its own.
 */
export const BCRYPT_THREADS = 2;

/**
 * A thread with nothing to do for this long exits: each holds ~10 MB (its own V8 heap and
 * bcryptjs), and logins are rare next to the rest of the API's work. The next one starts it
 * again, which costs a few ms next to the ~0.25 s hash.
 */
export const BCRYPT_IDLE_EXIT_MS = 30_000;

type Task = { op: 'hash'; data: string; cost: number } | { op: 'compare'; data: string; hash: string };
type Reply = { id: number; result?: string | boolean; error?: string };

/**
 * The thread's code, run with `eval` so that it needs no file of its own next to the bundle
 * (as SqliteCheckpointer does). It loads bcryptjs the way the process did: resolved from the
 * main script, else from the working directory.
 */
const THREAD_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { createRequire } = require('node:module');
let bcrypt;
for (const base of workerData.resolveFrom) {
  try { bcrypt = createRequire(base)('bcryptjs'); break; } catch {}
}
parentPort.on('message', async ({ id, task }) => {
  try {
    if (!bcrypt) throw new Error('bcryptjs could not be loaded');
    const result = task.op === 'hash' ? await bcrypt.hash(task.data, task.cost) : await bcrypt.compare(task.data, task.hash);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  idleExit?: NodeJS.Timeout;
}

interface Pending {
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
}

/**
 * Up to `size` threads that hash and compare with bcryptjs, started on demand. Tasks go to the
 * least busy thread; a thread that dies fails its tasks and is replaced on the next task. An
 * idle thread is unref'd (it never keeps a process alive) and exits after `idleExitMs`.
 */
export class BcryptPool {
  private readonly threads: Thread[] = [];
  private nextId = 0;

  constructor(
    private readonly size = BCRYPT_THREADS,
    private readonly idleExitMs = BCRYPT_IDLE_EXIT_MS,
  ) {}

  /** Threads running now (started and not yet exited for idleness). */
  get threadCount(): number {
    return this.threads.length;
  }

  hash(data: string, cost: number): Promise<string> {
    return this.run({ op: 'hash', data, cost }) as Promise<string>;
  }

  compare(data: string, hash: string): Promise<boolean> {
    return this.run({ op: 'compare', data, hash }) as Promise<boolean>;
  }

  private run(task: Task): Promise<string | boolean> {
    const thread = this.leastBusy();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      clearTimeout(thread.idleExit);
      // Held while it has work (a CLI awaiting a hash must not exit), released when idle.
      thread.worker.ref();
      thread.worker.postMessage({ id, task });
    });
  }

  private leastBusy(): Thread {
    if (this.threads.length < this.size) return this.start();
    return this.threads.reduce((best, thread) => (thread.pending.size < best.pending.size ? thread : best));
  }

  private start(): Thread {
    const resolveFrom = [process.argv[1], join(process.cwd(), 'index.js')].filter((base): base is string =>
      Boolean(base),
    );
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { resolveFrom },
    });
    const thread: Thread = { worker, pending: new Map<number, Pending>() };
    worker.on('message', ({ id, result, error }: Reply) => {
      const pending = thread.pending.get(id);
      thread.pending.delete(id);
      if (error !== undefined || result === undefined) pending?.reject(new Error(`bcrypt: ${error ?? 'no result'}`));
      else pending?.resolve(result);
      if (thread.pending.size > 0) return;
      worker.unref();
      thread.idleExit = setTimeout(() => {
        // Out of the pool first: its exit is then no failure, and new tasks start a new thread.
        this.remove(thread);
        void worker.terminate();
      }, this.idleExitMs).unref();
    });
    const fail = (error: Error) => {
      this.remove(thread);
      for (const pending of thread.pending.values()) pending.reject(error);
      thread.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.threads.includes(thread)) fail(new Error(`bcrypt thread exited with code ${code}`));
    });
    this.threads.push(thread);
    worker.unref();
    return thread;
  }

  /** Takes a thread out of the pool, if it is still in. */
  private remove(thread: Thread): void {
    clearTimeout(thread.idleExit);
    const index = this.threads.indexOf(thread);
    if (index >= 0) this.threads.splice(index, 1);
  }
}
