import { ErrorCode, JobKind, TomoException } from '@tomo/shared';
import { defineWorkflow, describeError, type StepContext } from '@tomo/workflows';
import { HEALTH_CHECK_RETRY, HEALTH_TIMEOUT_MS } from './deployment-jobs';
import type { DeploymentScope, DeploymentSteps } from './deployment-steps';
import { DeploymentStatus } from './entities';

type Action = 'start' | 'stop' | 'restart';
const KINDS = {
  start: JobKind.DeploymentStart,
  stop: JobKind.DeploymentStop,
  restart: JobKind.DeploymentRestart,
} as const;
const DONE = { start: 'Started', stop: 'Stopped', restart: 'Restarted' } as const;

/**
 * start / stop / restart (one file: the three are the same workflow around a different Docker
 * command): the command, a health check after starting, the new status.
 */
export function lifecycleWorkflow(steps: DeploymentSteps, action: Action) {
  const workflow = defineWorkflow({
    kind: KINDS[action],
    mutatesServer: true,
    context: (ctx) => steps.scope(ctx, ctx.input.deploymentId),
  });
  workflow.step(action, { timeoutMs: 2 * 60_000, run: (ctx, deployment) => act(steps, action, ctx, deployment) });
  if (action !== 'stop') {
    workflow.step('health-check', {
      ...HEALTH_CHECK_RETRY,
      timeoutMs: HEALTH_TIMEOUT_MS,
      run: async (ctx, deployment) => {
        const { row } = deployment;
        try {
          return { health: await steps.healthCheck(deployment, row.config, row.containerName) };
        } catch (error) {
          if (!ctx.signal.aborted)
            await steps.records.update(row.id, {
              status: DeploymentStatus.Unhealthy,
              statusMessage: describeError(error).message,
            });
          throw error;
        }
      },
    });
  }
  const status = action === 'stop' ? DeploymentStatus.Stopped : DeploymentStatus.Running;
  workflow.step('record', {
    timeoutMs: 30_000,
    run: async (ctx) => {
      await steps.records.update(ctx.input.deploymentId, { status, statusMessage: null });
      return { deploymentId: ctx.input.deploymentId, status };
    },
  });
  return workflow;
}

async function act(
  steps: DeploymentSteps,
  action: Action,
  ctx: Pick<StepContext, 'skip' | 'log'>,
  deployment: DeploymentScope,
) {
  const { row, docker } = deployment;
  const container = await steps.ownContainer(deployment, row.containerName);
  if (!container) {
    await steps.records.update(row.id, {
      status: DeploymentStatus.Missing,
      statusMessage: 'The container is not on the server',
    });
    throw new TomoException(
      ErrorCode.NotFound,
      `Container ${row.containerName} is not on the server; install the app again`,
    );
  }
  if (action === 'start' && container.running) return ctx.skip('already running');
  if (action === 'stop' && !container.running) return ctx.skip('already stopped');
  await docker[action](row.containerName);
  ctx.log(`${DONE[action]} ${row.containerName}`);
  return { container: row.containerName };
}
