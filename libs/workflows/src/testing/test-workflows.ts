import { setTimeout as sleep } from 'node:timers/promises';
import { type DynamicModule, Inject, Injectable, Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { type CommonConfig, TOMO_CONFIG, TomoConfigModule, type WorkerConfig } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { REDIS_CLIENT, RedisModule } from '@tomo/redis';
import { ErrorCode, JobKind, TomoException } from '@tomo/shared';
import type { StepContext, WorkflowDefinition } from '../lib/workflow-definition';
import { DefinesWorkflows, type WorkflowSource } from '../lib/workflow-discovery';
import { WorkflowsModule, WorkflowWorkerModule } from '../lib/workflows.module';

/**
 * Test-only workflows (never registered by the production worker). Steps append what they do
 * to a Redis list, so a test sees exactly which step ran how often, in which process.
 */
export enum TestKind {
  /** one → two (slow on its first attempt) → three: for kill -9 and SIGTERM. */
  Resumable = 'test.resumable',
  /** before → flaky (fails `failTimes` times with a transient error) . */
  Flaky = 'test.flaky',
  /** a, b (undoable; its undo fails `undoFailsTimes` times, transiently) → c → d (fails: `failWith`) → e. */
  Compensating = 'test.compensating',
  /** prep (undoable) → block (waits until aborted) → after. */
  Blocking = 'test.blocking',
  /** A step that ignores nothing but never finishes within its 200 ms timeout. */
  Timeout = 'test.timeout',
  /** Takes the server lock, and the `resource` of its input exclusively; `work` lasts `ms`. */
  Mutating = 'test.mutating',
  /** Logs `lines` lines, one every `everyMs`. */
  Chatty = 'test.chatty',
  /** Two no-op steps. */
  Quick = 'test.quick',
  /**
   * `hog`: in the first process that runs it, blocks the event loop for `blockMs` (a CPU hog, like parsing a
   * huge manifest), then does its effect after a short wait that follows `ctx.signal`; → `after`.
   */
  Hog = 'test.hog',
  /**
   * prep (undoable) → `create` (undoable), which waits to be cancelled and then, like a remote
   * command the abort came too late for, still "creates" its thing 300 ms later.
   */
  Creating = 'test.creating',
}

export const TEST_KINDS: readonly string[] = Object.values(TestKind);

export const traceKey = (prefix: string) => `${prefix}:test:trace`;

type Input = Record<string, unknown>;
/** Appends to the trace list; resolves with the list's new length. */
type Trace = (entry: string) => Promise<number>;

const num = (input: Input, key: string, fallback: number) =>
  typeof input[key] === 'number' ? (input[key] as number) : fallback;

/** Resolves when the signal fires, rejecting with its reason (like a well-behaved remote command). */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).then(
    () => undefined,
    () => Promise.reject(signal.reason),
  );
}

export function testWorkflows(trace: Trace): WorkflowDefinition<Input>[] {
  const mark = (ctx: { step: string }, what: string) => trace(`${ctx.step}:${what}:${process.pid}`);
  const plain = (name: string) => ({
    name,
    run: async (ctx: StepContext<Input>) => {
      await mark(ctx, 'run');
      return { step: name };
    },
  });
  const undoable = (name: string) => ({
    ...plain(name),
    compensate: async (ctx: { step: string }) => {
      await mark(ctx, 'compensate');
    },
  });
  return [
    {
      kind: TestKind.Resumable,
      steps: [
        plain('one'),
        {
          name: 'two',
          run: async (ctx) => {
            await mark(ctx, `start-${ctx.attempt}`);
            if (ctx.attempt === 1) await sleepUnlessAborted(num(ctx.input, 'slowMs', 60_000), ctx.signal);
            await mark(ctx, `end-${ctx.attempt}`);
            return { attempt: ctx.attempt };
          },
        },
        plain('three'),
      ],
    },
    {
      kind: TestKind.Flaky,
      steps: [
        plain('before'),
        {
          name: 'flaky',
          retry: { maxAttempts: 3, initialDelayMs: 150, maxDelayMs: 300 },
          run: async (ctx) => {
            await mark(ctx, `attempt-${ctx.attempt}`);
            if (ctx.attempt <= num(ctx.input, 'failTimes', 0)) {
              throw new TomoException(ErrorCode.ServerUnreachable, `flaky failure ${ctx.attempt}`);
            }
            return { attempt: ctx.attempt };
          },
        },
      ],
    },
    {
      kind: TestKind.Compensating,
      steps: [
        undoable('a'),
        {
          ...plain('b'),
          // One attempt for the step itself: its compensation is retried anyway (compensationPolicyOf).
          retry: { maxAttempts: 1 },
          compensationRetry: { initialDelayMs: 50, maxDelayMs: 100 },
          compensate: async (ctx) => {
            if (ctx.attempt <= num(ctx.input, 'undoFailsTimes', 0)) {
              await mark(ctx, `compensate-failed-${ctx.attempt}`);
              throw new TomoException(ErrorCode.ServerUnreachable, `unreachable while undoing (${ctx.attempt})`);
            }
            await mark(ctx, 'compensate');
          },
        },
        plain('c'),
        {
          name: 'd',
          retry: { maxAttempts: 2, initialDelayMs: 50, maxDelayMs: 50 },
          run: async (ctx) => {
            await mark(ctx, `attempt-${ctx.attempt}`);
            if (ctx.input['failWith'] === 'permanent') {
              throw new TomoException(ErrorCode.BadUserInput, 'port 80 is not a valid choice here');
            }
            throw new Error('disk full');
          },
          compensate: async (ctx) => {
            await mark(ctx, 'compensate');
          },
        },
        undoable('e'),
      ],
    },
    {
      kind: TestKind.Blocking,
      steps: [
        undoable('prep'),
        {
          name: 'block',
          run: async (ctx) => {
            await mark(ctx, 'start');
            try {
              await untilAborted(ctx.signal);
            } finally {
              await mark(ctx, `aborted-${(ctx.signal.reason as TomoException).code}`);
            }
          },
        },
        plain('after'),
      ],
    },
    {
      kind: TestKind.Timeout,
      steps: [
        {
          name: 'stuck',
          timeoutMs: 200,
          retry: { maxAttempts: 1 },
          run: async (ctx) => {
            await mark(ctx, 'start');
            try {
              await untilAborted(ctx.signal);
            } finally {
              await mark(ctx, `aborted-${(ctx.signal.reason as TomoException).code}`);
            }
          },
        },
      ],
    },
    {
      kind: TestKind.Mutating,
      mutatesServer: true,
      exclusive: (input) => (typeof input['resource'] === 'string' ? [input['resource']] : []),
      steps: [
        {
          name: 'work',
          run: async (ctx) => {
            await trace(`work:start:${ctx.jobId}:${Date.now()}`);
            await sleepUnlessAborted(num(ctx.input, 'ms', 300), ctx.signal);
            await trace(`work:end:${ctx.jobId}:${Date.now()}`);
          },
        },
      ],
    },
    {
      kind: TestKind.Chatty,
      steps: [
        {
          name: 'talk',
          run: async (ctx) => {
            const lines = num(ctx.input, 'lines', 10);
            for (let i = 1; i <= lines; i++) {
              ctx.log(`line ${i}`);
              await sleep(num(ctx.input, 'everyMs', 1));
            }
            return { lines };
          },
        },
      ],
    },
    { kind: TestKind.Quick, steps: [plain('q1'), plain('q2')] },
    {
      kind: TestKind.Creating,
      steps: [
        undoable('prep'),
        {
          name: 'create',
          run: async (ctx) => {
            await mark(ctx, 'start');
            await untilAborted(ctx.signal).catch(() => undefined);
            await sleep(300);
            await mark(ctx, 'created');
            throw ctx.signal.reason;
          },
          compensate: async (ctx) => {
            await mark(ctx, 'compensate');
          },
        },
      ],
    },
    {
      kind: TestKind.Hog,
      steps: [
        {
          name: 'hog',
          run: async (ctx) => {
            // Only the first run of all blocks (the trace was empty): the run that takes over does not.
            if ((await mark(ctx, `start-${ctx.attempt}`)) === 1) {
              const until = Date.now() + num(ctx.input, 'blockMs', 5_000);
              while (Date.now() < until) {
                // Busy: no timer, no I/O, no lock renewal runs in this process meanwhile.
              }
            }
            // What a step does next with the server (a command that takes the signal).
            await sleepUnlessAborted(num(ctx.input, 'effectAfterMs', 300), ctx.signal);
            await mark(ctx, `effect-${ctx.attempt}`);
            return { attempt: ctx.attempt, pid: process.pid };
          },
        },
        plain('after'),
      ],
    },
  ];
}

@DefinesWorkflows()
@Injectable()
class TestWorkflowsSource implements WorkflowSource {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(TOMO_CONFIG) private readonly config: CommonConfig,
  ) {}

  workflows() {
    const key = traceKey(this.config.redisPrefix);
    return testWorkflows((entry) => this.redis.rpush(key, entry));
  }
}

@Module({ imports: [WorkflowsModule], providers: [TestWorkflowsSource] })
class TestWorkflowsModule {}

@Module({})
export class WorkflowTestRootModule {
  /** The engine with the test workflows; with `worker`, this process also runs them. */
  static forRoot(
    config: WorkerConfig,
    options: { worker: boolean; lockRetryMs?: number; lostJobsCheckMs?: number },
  ): DynamicModule {
    return {
      module: WorkflowTestRootModule,
      imports: [
        TomoConfigModule.forRoot(config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('tomo-test'),
        WorkflowsModule,
        TestWorkflowsModule,
        ...(options.worker
          ? [
              WorkflowWorkerModule.forRoot({
                kinds: [JobKind.SystemPing, JobKind.MaintenancePruneJobs, ...TEST_KINDS],
                schedulePruning: false,
                lockRetryMs: options.lockRetryMs ?? 500,
                lostJobsCheckMs: options.lostJobsCheckMs,
              }),
            ]
          : []),
      ],
    };
  }
}
