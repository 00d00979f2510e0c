import { JobKind } from '@tomo/shared';
import { compensationPolicyOf, defineWorkflow } from './workflow-definition';

/**
 * The typing of step handles, checked by the compiler (ts-jest and `tsc -p
 * tsconfig.integration.json`): each `@ts-expect-error` fails the build if the line compiles.
 */
describe('defineWorkflow', () => {
  it('types what later steps read through step handles', () => {
    const workflow = defineWorkflow({ kind: 'test.typed' });
    const validate = workflow.step('validate', { run: async () => ({ image: 'nginx', stopFirst: true }) });
    const maybe = workflow.step('maybe', { run: async (ctx) => (ctx.attempt > 1 ? ctx.skip('later') : { count: 1 }) });
    const reads: unknown[] = [];
    workflow.step('use', {
      run: async (ctx) => {
        const image: string = ctx.output(validate).image;
        // @ts-expect-error a field validate does not return
        reads.push(ctx.output(validate).imag);
        // @ts-expect-error the wrong type for a field
        const wrong: number = ctx.output(validate).stopFirst;
        // @ts-expect-error a step that can skip may have no output
        const count: number = ctx.output(maybe).count;
        reads.push(image, wrong, count, ctx.output(maybe)?.count);
        return null;
      },
      compensate: async (ctx) => {
        // The step's own output, typed from its run.
        const own: null = ctx.stepOutput;
        reads.push(own);
      },
    });
    expect(workflow.steps.map((step) => step.name)).toEqual(['validate', 'maybe', 'use']);
    expect(workflow.steps[0]).toBe(validate);
  });

  it('types the input by the job kind', () => {
    const workflow = defineWorkflow({ kind: JobKind.MaintenancePruneJobs });
    workflow.step('days', {
      run: async (ctx) => {
        const days: number | undefined = ctx.input.retentionDays;
        // @ts-expect-error not an input of this kind
        return { days, other: ctx.input.deploymentId };
      },
    });
    expect(workflow.kind).toBe(JobKind.MaintenancePruneJobs);
  });
});

describe('compensationPolicyOf', () => {
  it('gives a compensation at least 8 attempts and delays up to 60 s, whatever its step allows', () => {
    expect(compensationPolicyOf({ retry: { maxAttempts: 1 } })).toMatchObject({ maxAttempts: 8, maxDelayMs: 60_000 });
    expect(compensationPolicyOf({})).toMatchObject({ maxAttempts: 8, initialDelayMs: 1_000, maxDelayMs: 60_000 });
  });

  it('keeps a step policy that is already more patient, and a compensationRetry of its own wins', () => {
    expect(compensationPolicyOf({ retry: { maxAttempts: 12, maxDelayMs: 120_000 } })).toMatchObject({
      maxAttempts: 12,
      maxDelayMs: 120_000,
    });
    expect(
      compensationPolicyOf({ retry: { maxAttempts: 1 }, compensationRetry: { maxAttempts: 2, maxDelayMs: 10 } }),
    ).toMatchObject({
      maxAttempts: 2,
      maxDelayMs: 10,
    });
  });
});
