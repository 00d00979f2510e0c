import { ErrorCode, JobKind, TomoException } from '@tomo/shared';
import { defineWorkflow, describeError, isTransientError } from '@tomo/workflows';
import { HEALTH_CHECK_RETRY, HEALTH_TIMEOUT_MS, PULL_STEP } from './deployment-jobs';
import type { DeploymentSteps } from './deployment-steps';
import { DeploymentStatus } from './entities';

/**
 * Install: validate, preflight, pull, volumes, create, start, health check, record. What the
 * run creates is undone if it fails or is cancelled; an install that finds its container
 * already running skips to the record.
 */
export function installWorkflow(steps: DeploymentSteps) {
  const markFailed = async (deploymentId: string, message: string) => {
    const row = await steps.records.find(deploymentId);
    if (row && row.status === DeploymentStatus.Installing) {
      await steps.records.update(deploymentId, { status: DeploymentStatus.Failed, statusMessage: message });
    }
  };
  /** A permanent failure to load or validate the deployment fails it at once (a transient one is retried first). */
  const failFast = async <T>(deploymentId: string, body: () => Promise<T>): Promise<T> => {
    try {
      return await body();
    } catch (error) {
      if (!isTransientError(error)) await markFailed(deploymentId, describeError(error).message);
      throw error;
    }
  };
  const workflow = defineWorkflow({
    kind: JobKind.DeploymentInstall,
    mutatesServer: true,
    context: (ctx) => failFast(ctx.input.deploymentId, () => steps.scope(ctx, ctx.input.deploymentId)),
  });

  /** What existed before this run, so that its compensation removes only what the run added. */
  const validate = workflow.step('validate', {
    retry: { maxAttempts: 3 },
    timeoutMs: 60_000,
    run: (ctx, deployment) =>
      failFast(ctx.input.deploymentId, async () => {
        const { row, app, docker } = deployment;
        steps.current(row); // the secret values must still decrypt
        ctx.log(`Installing ${app.name} (${row.appId}) from ${row.image} as ${row.containerName}`);
        const existing = await steps.ownContainer(deployment, row.containerName);
        const alreadyRunning = existing?.running === true && row.status !== DeploymentStatus.Failed;
        if (alreadyRunning) {
          ctx.log(`Container ${row.containerName} already runs: nothing to install`);
          ctx.skipRest('already running');
        }
        return {
          alreadyRunning,
          containerName: row.containerName,
          image: row.image,
          hadDirectory: await docker.pathExists(await steps.deploymentDir(docker, row.id)),
          hadVolumes: await docker.volumesOf(row.id),
        };
      }),
    // Runs last when the install fails or is cancelled: the deployment says so.
    compensate: async (ctx) => {
      if (ctx.stepOutput?.alreadyRunning) return;
      await markFailed(ctx.input.deploymentId, 'The install did not finish; what it created was removed');
    },
  });
  workflow.step('preflight', {
    timeoutMs: 2 * 60_000,
    run: async (ctx, deployment) => {
      const { row, docker } = deployment;
      const own = await docker.inspect(row.containerName);
      // A resumed install whose container already runs holds its own ports.
      const ownPorts = new Set(own?.running ? row.config.ports.map((p) => `${p.host}/${p.protocol}`) : []);
      return steps.preflight(deployment, row.config, ctx, ownPorts);
    },
  });
  workflow.step('pull-image', {
    ...PULL_STEP,
    run: async (ctx, { row, docker }) =>
      (await steps.pull(docker, row.image, row.config.pullPolicy, ctx)) ??
      ctx.skip(`image ${row.image} already present`),
  });
  workflow.step('prepare-volumes', {
    timeoutMs: 2 * 60_000,
    run: async (ctx, deployment) => steps.prepareVolumes(deployment, deployment.row.config, ctx),
    compensate: async (ctx, { row, docker }) => {
      const before = ctx.output(validate);
      for (const volume of await docker.volumesOf(row.id)) {
        if (before.hadVolumes.includes(volume)) continue;
        await docker.removeVolume(volume);
        ctx.log(`Removed volume ${volume}`);
      }
      if (!before.hadDirectory) {
        const dir = await steps.deploymentDir(docker, row.id);
        await docker.removeDirectory(dir, row.image);
        ctx.log(`Removed ${dir}`);
      }
    },
  });
  workflow.step('create-container', {
    timeoutMs: 2 * 60_000,
    run: async (ctx, deployment) =>
      steps.createContainer(deployment, steps.current(deployment.row), deployment.row.containerName, ctx),
    compensate: async (ctx, deployment) => {
      if (await steps.removeOwn(deployment, deployment.row.containerName))
        ctx.log(`Removed container ${deployment.row.containerName}`);
    },
  });
  workflow.step('start-container', {
    timeoutMs: 2 * 60_000,
    run: async (ctx, deployment) =>
      (await steps.startContainer(deployment, deployment.row.containerName, ctx))
        ? { started: true }
        : ctx.skip('already started'),
  });
  workflow.step('health-check', {
    ...HEALTH_CHECK_RETRY,
    timeoutMs: HEALTH_TIMEOUT_MS,
    run: async (_ctx, deployment) => ({
      health: await steps.healthCheck(deployment, deployment.row.config, deployment.row.containerName),
    }),
  });
  workflow.step('record', {
    always: true,
    timeoutMs: 60_000,
    run: async (ctx, deployment) => {
      const { row, docker } = deployment;
      const container = await docker.inspect(row.containerName);
      if (!container) throw new TomoException(ErrorCode.ContainerMissing, `Container ${row.containerName} is gone`);
      const urls = await steps.urls(deployment, row.config);
      await steps.records.update(row.id, {
        status: DeploymentStatus.Running,
        statusMessage: null,
        containerId: container.id,
        accessUrls: urls,
      });
      ctx.log(urls.length > 0 ? `Running; reach it at ${urls.join(', ')}` : 'Running');
      return { deploymentId: row.id, containerId: container.id, accessUrls: urls };
    },
  });
  return workflow;
}
