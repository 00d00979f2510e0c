import { JobKind } from '@tomo/shared';
import { defineWorkflow } from '@tomo/workflows';
import { NEXT_CONTAINER_SUFFIX } from './container-spec';
import type { DeploymentSteps } from './deployment-steps';
import { DeploymentStatus } from './entities';

/**
 * Uninstall: the containers, then (if asked) the volumes and the data directory, then the
 * record. No workflow context: the last step deletes the record the context would load, and
 * must still succeed when a resumed run does it again.
 */
export function uninstallWorkflow(steps: DeploymentSteps) {
  const workflow = defineWorkflow({ kind: JobKind.DeploymentUninstall, mutatesServer: true });
  workflow.step('remove-container', {
    timeoutMs: 2 * 60_000,
    run: async (ctx) => {
      const deployment = await steps.scope(ctx, ctx.input.deploymentId);
      const { row, docker } = deployment;
      await steps.records.update(row.id, { status: DeploymentStatus.Uninstalling, statusMessage: null });
      const removed: string[] = [];
      for (const name of [row.containerName, `${row.containerName}${NEXT_CONTAINER_SUFFIX}`]) {
        if (await steps.removeOwn(deployment, name)) removed.push(name);
      }
      // Anything else labelled with this deployment (a container renamed by hand, say).
      for (const container of await docker.listManaged(row.id)) {
        if (await docker.removeIfExists(container.id)) removed.push(container.name);
      }
      ctx.log(removed.length > 0 ? `Removed ${removed.join(', ')}` : 'No container to remove');
      return { removed };
    },
  });
  workflow.step('remove-data', {
    timeoutMs: 5 * 60_000,
    run: async (ctx) => {
      if (!ctx.input.removeVolumes) return ctx.skip('volumes and data kept (removeVolumes: false)');
      const { row, docker } = await steps.scope(ctx, ctx.input.deploymentId);
      const volumes = await docker.volumesOf(row.id);
      for (const volume of volumes) await docker.removeVolume(volume);
      const dir = await steps.deploymentDir(docker, row.id);
      const hadDir = await docker.pathExists(dir);
      if (hadDir) await docker.removeDirectory(dir, row.image);
      ctx.log(`Removed ${volumes.length} volume(s)${hadDir ? ` and ${dir}` : ''}`);
      return { volumes, directory: hadDir ? dir : null };
    },
  });
  workflow.step('record', {
    timeoutMs: 30_000,
    run: async (ctx) => {
      await steps.records.delete(ctx.input.deploymentId);
      return { deploymentId: ctx.input.deploymentId, uninstalled: true };
    },
  });
  return workflow;
}
