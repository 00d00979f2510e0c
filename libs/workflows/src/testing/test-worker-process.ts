import { type ChildProcess, fork } from 'node:child_process';
import { join, resolve } from 'node:path';

export interface TestWorkerProcess {
  child: ChildProcess;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const ROOT = resolve(__dirname, '../../../..');

/** Forks test-worker.main.ts (TypeScript through @swc-node/register) and waits until it takes jobs. */
export async function startTestWorker(env: Record<string, string>, timeoutMs = 30_000): Promise<TestWorkerProcess> {
  const child = fork(join(__dirname, 'test-worker.main.ts'), [], {
    cwd: ROOT,
    execArgv: ['-r', '@swc-node/register'],
    env: { ...process.env, ...env, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.base.json'), NODE_ENV: 'test' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`test worker ${child.pid} did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once('message', () => {
      clearTimeout(timer);
      ready();
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`test worker exited before it was ready (code ${code}, signal ${signal})`));
    });
  });
  return { child, exited };
}
