import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * bcryptjs is pure JavaScript: one cost-12 hash holds a thread for ~0.25 s. Run on the event
 * loop, a handful of logins at once stall every other request of the process, so hashing runs
 * on a few threads of its own.
 */
export const BCRYPT_THREADS = 2;

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

interface Pending {
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
}

/**
 * A fixed set of threads that hash and compare with bcryptjs. Tasks go to the least busy
 * thread; a thread that dies fails its tasks and is replaced on the next task. An idle thread
 * is unref'd: it never keeps a process alive.
 */
export class BcryptPool {
  private readonly threads: {
    worker: Worker;
    pending: Map<number, Pending>;
  }[] = [];
  private nextId = 0;

  constructor(private readonly size = BCRYPT_THREADS) {}

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
      // Held while it has work (a CLI awaiting a hash must not exit), released when idle.
      thread.worker.ref();
      thread.worker.postMessage({ id, task });
    });
  }

  private leastBusy(): { worker: Worker; pending: Map<number, Pending> } {
    if (this.threads.length < this.size) return this.start();
    return this.threads.reduce((best, thread) => (thread.pending.size < best.pending.size ? thread : best));
  }

  private start(): { worker: Worker; pending: Map<number, Pending> } {
    const resolveFrom = [process.argv[1], join(process.cwd(), 'index.js')].filter((base): base is string =>
      Boolean(base),
    );
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { resolveFrom },
    });
    const thread = { worker, pending: new Map<number, Pending>() };
    worker.on('message', ({ id, result, error }: Reply) => {
      const pending = thread.pending.get(id);
      thread.pending.delete(id);
      if (error !== undefined || result === undefined) pending?.reject(new Error(`bcrypt: ${error ?? 'no result'}`));
      else pending?.resolve(result);
      if (thread.pending.size === 0) worker.unref();
    });
    const fail = (error: Error) => {
      this.threads.splice(this.threads.indexOf(thread), 1);
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
}
