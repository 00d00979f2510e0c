import { ErrorCode, JobKind, TomoException } from '@tomo/shared';
import { defineWorkflow, type WorkflowContext } from '@tomo/workflows';
import { NEXT_CONTAINER_SUFFIX } from './container-spec';
import { type DeploymentConfig, networkModeOf } from './deployment-config';
import { type DeploymentJobInput, HEALTH_CHECK_RETRY, HEALTH_TIMEOUT_MS, PULL_STEP } from './deployment-jobs';
import type { DeploymentSteps } from './deployment-steps';
import { DeploymentStatus } from './entities';

/**
 * Update: the new container is created next to the old one (`<name>-next`) and must pass the
 * health check before the old one is removed. With host networking or published host ports the
 * two cannot listen at once, so the old container is stopped right before the new one starts
 * (a short downtime); if anything after that fails, compensation removes the new container and
 * starts the old one again. Either way the deployment record moves to the new image and
 * configuration only in the last step.
 */
export function updateWorkflow(steps: DeploymentSteps) {
  /** The deployment, the update it is to get (CONFLICT when none is pending) and the new container's name. */
  const updateScope = async (ctx: WorkflowContext<DeploymentJobInput>) => {
    const scope = await steps.scope(ctx, ctx.input.deploymentId);
    return {
      ...scope,
      target: steps.pendingUpdate(scope.row),
      nextName: `${scope.row.containerName}${NEXT_CONTAINER_SUFFIX}`,
    };
  };
  const workflow = defineWorkflow({ kind: JobKind.DeploymentUpdate, mutatesServer: true, context: updateScope });

  const validate = workflow.step('validate', {
    timeoutMs: 60_000,
    run: async (ctx, deployment) => {
      const { row, target, nextName } = deployment;
      const old = await steps.ownContainer(deployment, row.containerName);
      if (!old)
        throw new TomoException(
          ErrorCode.Conflict,
          `Container ${row.containerName} is not on the server; install the app again instead of updating it`,
        );
      // A leftover of an update that crashed before it could clean up.
      if (await steps.removeOwn(deployment, nextName)) ctx.log(`Removed ${nextName}, left over from an earlier update`);
      const bindsHost = (config: DeploymentConfig) =>
        networkModeOf(config.network) === 'host' ||
        (networkModeOf(config.network) === 'bridge' && config.ports.length > 0);
      /** Host networking or published ports: the old container must stop before the new one can start. */
      const stopFirst = bindsHost(row.config) || bindsHost(target.config);
      ctx.log(`Updating ${row.containerName} from ${row.image} to ${target.image}`);
      ctx.log(
        stopFirst
          ? 'The app binds host ports: the old container stops right before the new one starts, and starts again if the new one fails'
          : 'The new container is checked while the old one keeps running',
      );
      return { image: target.image, stopFirst, oldRunning: old.running };
    },
  });
  workflow.step('pull-image', {
    ...PULL_STEP,
    run: async (ctx, { docker, target }) =>
      (await steps.pull(docker, target.image, target.config.pullPolicy, ctx)) ??
      ctx.skip(`image ${target.image} already present`),
  });
  workflow.step('prepare-volumes', {
    timeoutMs: 2 * 60_000,
    run: async (ctx, deployment) => steps.prepareVolumes(deployment, deployment.target.config, ctx),
  });
  workflow.step('create-container', {
    timeoutMs: 2 * 60_000,
    run: async (ctx, deployment) => steps.createContainer(deployment, deployment.target, deployment.nextName, ctx),
    compensate: async (ctx, deployment) => {
      if (await steps.removeOwn(deployment, deployment.nextName)) ctx.log(`Removed ${deployment.nextName}`);
    },
  });
  workflow.step('stop-old', {
    timeoutMs: 2 * 60_000,
    run: async (ctx, deployment) => {
      const { row, docker } = deployment;
      if (!ctx.output(validate).stopFirst)
        return ctx.skip('the old container keeps running until the new one is healthy');
      const old = await steps.ownContainer(deployment, row.containerName);
      if (!old?.running) return ctx.skip('the old container is not running');
      await docker.stop(row.containerName);
      ctx.log(`Stopped ${row.containerName} to free its ports`);
      return { stopped: row.containerName };
    },
    compensate: async (ctx, deployment) => {
      const { row, docker, nextName } = deployment;
      // The new container must not hold the ports any more (its own compensation removes it too).
      await steps.removeOwn(deployment, nextName);
      await docker.start(row.containerName);
      ctx.log(`Started ${row.containerName} again: the deployment stays on ${row.image}`);
    },
  });
  workflow.step('start-new', {
    timeoutMs: 2 * 60_000,
    run: async (ctx, deployment) =>
      (await steps.startContainer(deployment, deployment.nextName, ctx))
        ? { started: deployment.nextName }
        : ctx.skip('already started'),
    compensate: async (ctx, deployment) => {
      if (await steps.removeOwn(deployment, deployment.nextName)) ctx.log(`Removed ${deployment.nextName}`);
    },
  });
  workflow.step('health-check', {
    ...HEALTH_CHECK_RETRY,
    timeoutMs: HEALTH_TIMEOUT_MS,
    run: async (_ctx, deployment) => ({
      health: await steps.healthCheck(deployment, deployment.target.config, deployment.nextName),
    }),
  });
  workflow.step('swap', {
    timeoutMs: 2 * 60_000,
    run: async (ctx, deployment) => {
      const { row, docker, target, nextName } = deployment;
      if (await steps.ownContainer(deployment, nextName)) {
        // Either the old container is still there, or an earlier attempt removed it and crashed before renaming.
        if (await steps.removeOwn(deployment, row.containerName)) ctx.log(`Removed the old container`);
        await docker.rename(nextName, row.containerName);
        ctx.log(`Renamed ${nextName} to ${row.containerName}`);
      }
      const current = await steps.ownContainer(deployment, row.containerName);
      if (!current)
        throw new TomoException(ErrorCode.ContainerMissing, `Neither ${nextName} nor ${row.containerName} exists`);
      const urls = await steps.urls(deployment, target.config);
      await steps.records.update(row.id, {
        status: DeploymentStatus.Running,
        statusMessage: null,
        image: target.image,
        config: row.targetConfig ?? row.config,
        secretEnv: row.targetSecretEnv,
        targetImage: null,
        targetConfig: null,
        targetSecretEnv: null,
        containerId: current.id,
        accessUrls: urls,
      });
      return { deploymentId: row.id, containerId: current.id, image: target.image, accessUrls: urls };
    },
  });
  return workflow;
}
