import { isFinishedJobStatus } from '@tomo/shared';
import { describeError, type JobsService, type WorkflowContext } from '@tomo/workflows';
import type { DeploymentSteps } from './deployment-steps';
import { DeploymentStatus } from './entities';

export interface ReconcileResult {
  servers: number;
  checked: number;
  changed: { deploymentId: string; from: DeploymentStatus; to: DeploymentStatus }[];
  /** Labelled with a deployment no record knows; `removed`: an orphan the platform made that was not running. */
  unknownContainers: {
    serverId: string;
    container: string;
    deploymentId: string;
    appId: string;
    state: string;
    removed: boolean;
  }[];
  unreachableServers: string[];
  /** Deployments recorded RUNNING whose container has exited or keeps restarting: seen once per change (the record then says STOPPED). */
  crashed: { deploymentId: string; serverId: string; containerName: string; appId: string; state: string }[];
}

/** Container states of a deployment recorded RUNNING that mean its app crashed (`restarting`: Docker's restart policy is looping). */
const CRASHED_STATES = new Set(['exited', 'dead', 'restarting']);

/** States of an orphan container that reconciliation leaves alone (it may be serving, or is going already). */
const ORPHAN_KEEP_STATES = new Set(['running', 'restarting', 'paused', 'removing']);

/**
 * Compares every deployment with the containers labelled `tomo.deployment` on its server:
 * RUNNING (health check passes once), UNHEALTHY, STOPPED, MISSING; and reports labelled
 * containers no deployment knows. Deployments with a job still going are left alone.
 * Orphans (`tomo.managed=true`, a deployment id no record has, checked again right before)
 * that are not running, such as what an interrupted `docker create` left, are removed; a
 * running one is only reported: it may serve something, and removing it is a person's call.
 */
export class DeploymentReconciler {
  constructor(
    private readonly steps: DeploymentSteps,
    private readonly jobs: JobsService,
  ) {}

  async reconcile(ctx: Pick<WorkflowContext, 'signal' | 'log'>): Promise<ReconcileResult> {
    const rows = await this.steps.records.list(null);
    const byServer = new Map<string, typeof rows>();
    for (const row of rows) byServer.set(row.serverId, [...(byServer.get(row.serverId) ?? []), row]);
    const result: ReconcileResult = {
      servers: byServer.size,
      checked: 0,
      changed: [],
      unknownContainers: [],
      unreachableServers: [],
      crashed: [],
    };
    const known = new Set(rows.map((row) => row.id));
    for (const [serverId, deployments] of byServer) {
      ctx.signal.throwIfAborted();
      const docker = this.steps.docker(serverId, ctx);
      let containers;
      try {
        containers = await docker.listManaged(null);
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        result.unreachableServers.push(serverId);
        ctx.log(`Server ${serverId}: skipped (${describeError(error).message})`);
        continue;
      }
      for (const container of containers) {
        if (known.has(container.deploymentId)) continue;
        // Read again: an install that started after the list above has its row by now.
        const orphan =
          container.managed &&
          !ORPHAN_KEEP_STATES.has(container.state) &&
          !(await this.steps.records.find(container.deploymentId));
        const removed = orphan && (await docker.removeIfExists(container.name).catch(() => false));
        result.unknownContainers.push({
          serverId,
          container: container.name,
          deploymentId: container.deploymentId,
          appId: container.appId,
          state: container.state,
          removed,
        });
        ctx.log(
          `Server ${serverId}: container ${container.name} (${container.state}) is labelled tomo.deployment=${container.deploymentId}, which no deployment knows; ` +
            (removed
              ? 'removed it (an orphan the platform created)'
              : container.managed
                ? 'left it (it runs): remove it by hand if it is not needed'
                : 'left it (not tomo.managed)'),
        );
      }
      for (const row of deployments) {
        if (
          row.status === DeploymentStatus.Installing ||
          row.status === DeploymentStatus.Uninstalling ||
          row.status === DeploymentStatus.Failed
        )
          continue;
        const last = row.lastJobId ? await this.jobs.find(row.lastJobId) : null;
        if (last && !isFinishedJobStatus(last.status)) continue;
        result.checked++;
        const container = containers.find((c) => c.name === row.containerName && c.deploymentId === row.id);
        let status: DeploymentStatus;
        let message: string | null = null;
        if (!container) {
          status = DeploymentStatus.Missing;
          message = `No container ${row.containerName} on the server`;
        } else if (container.state !== 'running') {
          status = DeploymentStatus.Stopped;
          message = `Container is ${container.state}`;
        } else {
          const scope = await this.steps.scope(ctx, row.id);
          try {
            await this.steps.healthCheck(scope, row.config, row.containerName, { attempts: 1, graceMs: 0 });
            status = DeploymentStatus.Running;
          } catch (error) {
            if (ctx.signal.aborted) throw error;
            status = DeploymentStatus.Unhealthy;
            message = describeError(error).message;
          }
        }
        if (status !== row.status) {
          result.changed.push({ deploymentId: row.id, from: row.status, to: status });
          if (container && row.status === DeploymentStatus.Running && CRASHED_STATES.has(container.state)) {
            result.crashed.push({
              deploymentId: row.id,
              serverId,
              containerName: row.containerName,
              appId: row.appId,
              state: container.state,
            });
          }
          ctx.log(
            `Deployment ${row.id} (${row.containerName}): ${row.status} → ${status}${message ? ` (${message})` : ''}`,
          );
        }
        await this.steps.records.update(row.id, { status, statusMessage: message });
      }
    }
    ctx.log(
      `Checked ${result.checked} deployment(s) on ${result.servers} server(s); ${result.changed.length} changed, ${result.unknownContainers.length} unknown container(s)`,
    );
    return result;
  }
}
