import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { MarketplaceService } from '@tomo/marketplace';
import { REDIS_CLIENT } from '@tomo/redis';
import { ErrorCode, isFinishedJobStatus, isTransientError, JobKind, TomoException } from '@tomo/shared';
import { defineWorkflow, describeError, JobsService, type StepContext, type WorkflowDefinition, WorkflowRegistry } from '@tomo/workflows';
import { LABEL_DEPLOYMENT, NEXT_CONTAINER_SUFFIX } from './container-spec';
import { networkModeOf } from './deployment-config';
import { DeploymentHosts } from './deployment-hosts';
import { DeploymentRecords } from './deployment-records';
import { type DeploymentScope, DeploymentSteps } from './deployment-steps';
import { DeploymentStatus } from './entities';

export interface DeploymentJobInput {
  deploymentId: string;
}

export interface UninstallJobInput {
  deploymentId: string;
  removeVolumes: boolean;
}

export interface ContainerLogsJobInput {
  deploymentId: string;
  tail: number;
}

declare module '@tomo/workflows' {
  interface JobInputs {
    [JobKind.DeploymentInstall]: DeploymentJobInput;
    [JobKind.DeploymentStart]: DeploymentJobInput;
    [JobKind.DeploymentStop]: DeploymentJobInput;
    [JobKind.DeploymentRestart]: DeploymentJobInput;
    [JobKind.DeploymentUpdate]: DeploymentJobInput;
    [JobKind.DeploymentUninstall]: UninstallJobInput;
    [JobKind.DeploymentLogs]: ContainerLogsJobInput;
    [JobKind.MaintenanceReconcileDeployments]: Record<string, never>;
  }
}

/** Where `deployment.logs` leaves the lines for the API (not in the job row: logs may hold anything). */
export const containerLogsKey = (prefix: string, jobId: string) => `${prefix}:deployment-logs:${jobId}`;
const LOGS_TTL_SECONDS = 120;

const ONE_ATTEMPT = { maxAttempts: 1 };
const HEALTH_TIMEOUT_MS = 15 * 60_000;
/**
 * A health check is not repeated when the app answered unhealthy (it probed `retries` times
 * already), but it is when the SSH connection failed under it: the app may well be healthy
 * (`npm run chaos -- ssh-faults` saw dropped connections fail, and undo, healthy installs).
 */
export const HEALTH_CHECK_RETRY = {
  retry: { maxAttempts: 3 },
  isTransient: (error: unknown): boolean => error instanceof TomoException && error.code === ErrorCode.ServerUnreachable,
};
const PULL_STEP_TIMEOUT_MS = 30 * 60_000;

type Ctx = Pick<StepContext<{ deploymentId: string }>, 'signal' | 'log' | 'jobId' | 'input'>;

/** Outputs of `validate` (install): what existed before this run, so its compensation removes only what the run added. */
interface InstallValidation {
  alreadyRunning: boolean;
  containerName: string;
  image: string;
  hadDirectory: boolean;
  hadVolumes: string[];
}

/** Outputs of `validate` (update). */
interface UpdateValidation {
  image: string;
  /** Host networking or published ports: the old container must stop before the new one can start. */
  stopFirst: boolean;
  oldRunning: boolean;
}

function installWorkflow(steps: DeploymentSteps) {
  const markFailed = async (deploymentId: string, message: string) => {
    const row = await steps.records.find(deploymentId);
    if (row && row.status === DeploymentStatus.Installing) {
      await steps.records.update(deploymentId, { status: DeploymentStatus.Failed, statusMessage: message });
    }
  };
  const validation = (ctx: { outputs: Readonly<Record<string, unknown>> }) => ctx.outputs['validate'] as InstallValidation;
  return defineWorkflow({
    kind: JobKind.DeploymentInstall,
    mutatesServer: true,
    steps: [
      {
        name: 'validate',
        retry: { maxAttempts: 3 },
        timeoutMs: 60_000,
        run: async (ctx): Promise<InstallValidation> => {
          try {
            const scope = await steps.scope(ctx, ctx.input.deploymentId);
            const { row, app, docker } = scope;
            steps.records.fullConfig(row); // the secret values must still decrypt
            ctx.log(`Installing ${app.name} (${row.appId}) from ${row.image} as ${row.containerName}`);
            const existing = await steps.ownContainer(scope, row.containerName);
            const dir = await steps.deploymentDir(docker, row.id);
            const result: InstallValidation = {
              alreadyRunning: existing?.running === true && row.status !== DeploymentStatus.Failed,
              containerName: row.containerName,
              image: row.image,
              hadDirectory: await docker.pathExists(dir),
              hadVolumes: await docker.volumesOf(row.id),
            };
            if (result.alreadyRunning) ctx.log(`Container ${row.containerName} already runs: nothing to install`);
            return result;
          } catch (error) {
            if (error instanceof TomoException && !isTransientError(error)) await markFailed(ctx.input.deploymentId, error.message);
            throw error;
          }
        },
        // Runs last when the install fails or is cancelled: the deployment says so.
        compensate: async (ctx) => {
          const job = ctx.output as InstallValidation | null;
          if (job?.alreadyRunning) return;
          await markFailed(ctx.input.deploymentId, 'The install did not finish; what it created was removed');
        },
      },
      {
        name: 'preflight',
        timeoutMs: 2 * 60_000,
        run: async (ctx) => {
          if (validation(ctx).alreadyRunning) return ctx.skip('already running');
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          const own = await scope.docker.inspect(scope.row.containerName);
          // A resumed install whose container already runs holds its own ports.
          const ownPorts = new Set(own?.running ? scope.row.config.ports.map((p) => `${p.host}/${p.protocol}`) : []);
          return steps.preflight(scope, scope.row.config, ctx, ownPorts);
        },
      },
      {
        name: 'pull-image',
        timeoutMs: PULL_STEP_TIMEOUT_MS,
        retry: { maxAttempts: 3, initialDelayMs: 5_000 },
        run: async (ctx) => {
          if (validation(ctx).alreadyRunning) return ctx.skip('already running');
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          const pulled = await steps.pull(scope.docker, scope.row.image, scope.row.config.pullPolicy, ctx);
          return pulled ?? ctx.skip(`image ${scope.row.image} already present`);
        },
      },
      {
        name: 'prepare-volumes',
        timeoutMs: 2 * 60_000,
        run: async (ctx) => {
          if (validation(ctx).alreadyRunning) return ctx.skip('already running');
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          return steps.prepareVolumes(scope, scope.row.config, ctx);
        },
        compensate: async (ctx) => {
          const before = ctx.outputs['validate'] as InstallValidation;
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          for (const volume of await scope.docker.volumesOf(scope.row.id)) {
            if (before.hadVolumes.includes(volume)) continue;
            await scope.docker.removeVolume(volume);
            ctx.log(`Removed volume ${volume}`);
          }
          if (!before.hadDirectory) {
            const dir = await steps.deploymentDir(scope.docker, scope.row.id);
            await scope.docker.removeDirectory(dir, scope.row.image);
            ctx.log(`Removed ${dir}`);
          }
        },
      },
      {
        name: 'create-container',
        timeoutMs: 2 * 60_000,
        run: async (ctx) => {
          if (validation(ctx).alreadyRunning) return ctx.skip('already running');
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          const existing = await steps.ownContainer(scope, scope.row.containerName);
          if (existing) {
            ctx.log(`Container ${scope.row.containerName} exists already (${existing.status}): an earlier attempt created it`);
            return { containerId: existing.id };
          }
          const dir = await steps.deploymentDir(scope.docker, scope.row.id);
          const spec = steps.spec(scope, steps.records.fullConfig(scope.row), scope.row.image, dir, ctx.jobId);
          const containerId = await scope.docker.create(spec);
          ctx.log(`Created container ${spec.name} (${containerId.slice(0, 12)})`);
          return { containerId };
        },
        compensate: async (ctx) => {
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          if (await removeOwn(steps, scope, scope.row.containerName)) ctx.log(`Removed container ${scope.row.containerName}`);
        },
      },
      {
        name: 'start-container',
        timeoutMs: 2 * 60_000,
        run: async (ctx) => {
          if (validation(ctx).alreadyRunning) return ctx.skip('already running');
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          const state = await steps.ownContainer(scope, scope.row.containerName);
          if (state?.running) return ctx.skip('already started');
          await scope.docker.start(scope.row.containerName);
          ctx.log(`Started ${scope.row.containerName}`);
          return { started: true };
        },
      },
      {
        name: 'health-check',
        ...HEALTH_CHECK_RETRY,
        timeoutMs: HEALTH_TIMEOUT_MS,
        run: async (ctx) => {
          if (validation(ctx).alreadyRunning) return ctx.skip('already running');
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          return { health: await steps.healthCheck(scope, scope.row.config, scope.row.containerName) };
        },
      },
      {
        name: 'record',
        timeoutMs: 60_000,
        run: async (ctx) => {
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          const container = await scope.docker.inspect(scope.row.containerName);
          if (!container) throw new TomoException(ErrorCode.ContainerMissing, `Container ${scope.row.containerName} is gone`);
          const urls = await steps.urls(scope, scope.row.config);
          await steps.records.update(scope.row.id, {
            status: DeploymentStatus.Running,
            statusMessage: null,
            containerId: container.id,
            accessUrls: urls,
          });
          ctx.log(urls.length > 0 ? `Running; reach it at ${urls.join(', ')}` : 'Running');
          return { deploymentId: scope.row.id, containerId: container.id, accessUrls: urls };
        },
      },
    ],
  });
}

/** start / stop / restart: one Docker command, a health check after starting, the new status. */
function lifecycleWorkflows(steps: DeploymentSteps) {
  const act = (action: 'start' | 'stop' | 'restart') => async (ctx: Ctx) => {
    const scope = await steps.scope(ctx, ctx.input.deploymentId);
    const container = await steps.ownContainer(scope, scope.row.containerName);
    if (!container) {
      await steps.records.update(scope.row.id, { status: DeploymentStatus.Missing, statusMessage: 'The container is not on the server' });
      throw new TomoException(ErrorCode.NotFound, `Container ${scope.row.containerName} is not on the server; install the app again`);
    }
    if (action === 'start' && container.running) return { skipped: true as const, reason: 'already running' };
    if (action === 'stop' && !container.running) return { skipped: true as const, reason: 'already stopped' };
    if (action === 'start') await scope.docker.start(scope.row.containerName);
    else if (action === 'stop') await scope.docker.stop(scope.row.containerName);
    else await scope.docker.restart(scope.row.containerName);
    ctx.log(`${action === 'stop' ? 'Stopped' : action === 'start' ? 'Started' : 'Restarted'} ${scope.row.containerName}`);
    return { container: scope.row.containerName };
  };
  const health = {
    name: 'health-check',
    ...HEALTH_CHECK_RETRY,
    timeoutMs: HEALTH_TIMEOUT_MS,
    run: async (ctx: Ctx) => {
      const scope = await steps.scope(ctx, ctx.input.deploymentId);
      try {
        return { health: await steps.healthCheck(scope, scope.row.config, scope.row.containerName) };
      } catch (error) {
        if (!ctx.signal.aborted) {
          await steps.records.update(scope.row.id, { status: DeploymentStatus.Unhealthy, statusMessage: describeError(error).message });
        }
        throw error;
      }
    },
  };
  const record = (status: DeploymentStatus) => ({
    name: 'record',
    timeoutMs: 30_000,
    run: async (ctx: Ctx) => {
      await steps.records.update(ctx.input.deploymentId, { status, statusMessage: null });
      return { deploymentId: ctx.input.deploymentId, status };
    },
  });
  return [
    defineWorkflow({
      kind: JobKind.DeploymentStart,
      mutatesServer: true,
      steps: [{ name: 'start', timeoutMs: 2 * 60_000, run: act('start') }, health, record(DeploymentStatus.Running)],
    }),
    defineWorkflow({
      kind: JobKind.DeploymentStop,
      mutatesServer: true,
      steps: [{ name: 'stop', timeoutMs: 2 * 60_000, run: act('stop') }, record(DeploymentStatus.Stopped)],
    }),
    defineWorkflow({
      kind: JobKind.DeploymentRestart,
      mutatesServer: true,
      steps: [{ name: 'restart', timeoutMs: 2 * 60_000, run: act('restart') }, health, record(DeploymentStatus.Running)],
    }),
  ];
}

/**
 * Update: the new container is created next to the old one (`<name>-next`) and must pass the
 * health check before the old one is removed. With host networking or published host ports the
 * two cannot listen at once, so the old container is stopped right before the new one starts
 * (a short downtime); if anything after that fails, compensation removes the new container and
 * starts the old one again. Either way the deployment record moves to the new image and
 * configuration only in the last step.
 */
function updateWorkflow(steps: DeploymentSteps) {
  const nextName = (scope: DeploymentScope) => `${scope.row.containerName}${NEXT_CONTAINER_SUFFIX}`;
  const target = (scope: DeploymentScope) => {
    const config = steps.records.fullTargetConfig(scope.row);
    if (!config || !scope.row.targetImage) throw new TomoException(ErrorCode.Conflict, `Deployment ${scope.row.id} has no pending update`);
    return { config, image: scope.row.targetImage };
  };
  const validated = (ctx: { outputs: Readonly<Record<string, unknown>> }) => ctx.outputs['validate'] as UpdateValidation;
  return defineWorkflow({
    kind: JobKind.DeploymentUpdate,
    mutatesServer: true,
    steps: [
      {
        name: 'validate',
        timeoutMs: 60_000,
        run: async (ctx): Promise<UpdateValidation> => {
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          const next = target(scope);
          const old = await steps.ownContainer(scope, scope.row.containerName);
          if (!old) throw new TomoException(ErrorCode.Conflict, `Container ${scope.row.containerName} is not on the server; install the app again instead of updating it`);
          // A leftover of an update that crashed before it could clean up.
          if (await removeOwn(steps, scope, nextName(scope))) ctx.log(`Removed ${nextName(scope)}, left over from an earlier update`);
          const uses = (config: typeof next.config) => networkModeOf(config.network) === 'host' || (networkModeOf(config.network) === 'bridge' && config.ports.length > 0);
          const stopFirst = uses(scope.row.config) || uses(next.config);
          ctx.log(`Updating ${scope.row.containerName} from ${scope.row.image} to ${next.image}`);
          ctx.log(
            stopFirst
              ? 'The app binds host ports: the old container stops right before the new one starts, and starts again if the new one fails'
              : 'The new container is checked while the old one keeps running',
          );
          return { image: next.image, stopFirst, oldRunning: old.running };
        },
      },
      {
        name: 'pull-image',
        timeoutMs: PULL_STEP_TIMEOUT_MS,
        retry: { maxAttempts: 3, initialDelayMs: 5_000 },
        run: async (ctx) => {
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          const next = target(scope);
          return (await steps.pull(scope.docker, next.image, next.config.pullPolicy, ctx)) ?? ctx.skip(`image ${next.image} already present`);
        },
      },
      {
        name: 'prepare-volumes',
        timeoutMs: 2 * 60_000,
        run: async (ctx) => {
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          return steps.prepareVolumes(scope, target(scope).config, ctx);
        },
      },
      {
        name: 'create-container',
        timeoutMs: 2 * 60_000,
        run: async (ctx) => {
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          const next = target(scope);
          const existing = await steps.ownContainer(scope, nextName(scope));
          if (existing) return { containerId: existing.id };
          const dir = await steps.deploymentDir(scope.docker, scope.row.id);
          const containerId = await scope.docker.create(steps.spec(scope, next.config, next.image, dir, ctx.jobId, nextName(scope)));
          ctx.log(`Created ${nextName(scope)} (${containerId.slice(0, 12)}) from ${next.image}`);
          return { containerId };
        },
        compensate: async (ctx) => {
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          if (await removeOwn(steps, scope, nextName(scope))) ctx.log(`Removed ${nextName(scope)}`);
        },
      },
      {
        name: 'stop-old',
        timeoutMs: 2 * 60_000,
        run: async (ctx) => {
          const plan = validated(ctx);
          if (!plan.stopFirst) return ctx.skip('the old container keeps running until the new one is healthy');
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          const old = await steps.ownContainer(scope, scope.row.containerName);
          if (!old?.running) return ctx.skip('the old container is not running');
          await scope.docker.stop(scope.row.containerName);
          ctx.log(`Stopped ${scope.row.containerName} to free its ports`);
          return { stopped: scope.row.containerName };
        },
        compensate: async (ctx) => {
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          // The new container must not hold the ports any more (its own compensation removes it too).
          await removeOwn(steps, scope, nextName(scope));
          await scope.docker.start(scope.row.containerName);
          ctx.log(`Started ${scope.row.containerName} again: the deployment stays on ${scope.row.image}`);
        },
      },
      {
        name: 'start-new',
        timeoutMs: 2 * 60_000,
        run: async (ctx) => {
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          const state = await steps.ownContainer(scope, nextName(scope));
          if (!state) throw new TomoException(ErrorCode.ContainerMissing, `${nextName(scope)} is gone`);
          if (state.running) return ctx.skip('already started');
          await scope.docker.start(nextName(scope));
          ctx.log(`Started ${nextName(scope)}`);
          return { started: nextName(scope) };
        },
        compensate: async (ctx) => {
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          if (await removeOwn(steps, scope, nextName(scope))) ctx.log(`Removed ${nextName(scope)}`);
        },
      },
      {
        name: 'health-check',
        ...HEALTH_CHECK_RETRY,
        timeoutMs: HEALTH_TIMEOUT_MS,
        run: async (ctx) => {
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          return { health: await steps.healthCheck(scope, target(scope).config, nextName(scope)) };
        },
      },
      {
        name: 'swap',
        timeoutMs: 2 * 60_000,
        run: async (ctx) => {
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          const next = target(scope);
          const fresh = await steps.ownContainer(scope, nextName(scope));
          if (fresh) {
            // Either the old container is still there, or an earlier attempt removed it and crashed before renaming.
            if (await removeOwn(steps, scope, scope.row.containerName)) ctx.log(`Removed the old container`);
            await scope.docker.rename(nextName(scope), scope.row.containerName);
            ctx.log(`Renamed ${nextName(scope)} to ${scope.row.containerName}`);
          }
          const current = await steps.ownContainer(scope, scope.row.containerName);
          if (!current) throw new TomoException(ErrorCode.ContainerMissing, `Neither ${nextName(scope)} nor ${scope.row.containerName} exists`);
          const urls = await steps.urls(scope, next.config);
          await steps.records.update(scope.row.id, {
            status: DeploymentStatus.Running,
            statusMessage: null,
            image: next.image,
            config: scope.row.targetConfig ?? scope.row.config,
            secretEnv: scope.row.targetSecretEnv,
            targetImage: null,
            targetConfig: null,
            targetSecretEnv: null,
            containerId: current.id,
            accessUrls: urls,
          });
          return { deploymentId: scope.row.id, containerId: current.id, image: next.image, accessUrls: urls };
        },
      },
    ],
  });
}

/** Uninstall: the containers, then (if asked) the volumes and the data directory, then the record. */
function uninstallWorkflow(steps: DeploymentSteps) {
  return defineWorkflow({
    kind: JobKind.DeploymentUninstall,
    mutatesServer: true,
    steps: [
      {
        name: 'remove-container',
        timeoutMs: 2 * 60_000,
        run: async (ctx) => {
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          await steps.records.update(scope.row.id, { status: DeploymentStatus.Uninstalling, statusMessage: null });
          const removed: string[] = [];
          for (const name of [scope.row.containerName, `${scope.row.containerName}${NEXT_CONTAINER_SUFFIX}`]) {
            if (await removeOwn(steps, scope, name)) removed.push(name);
          }
          // Anything else labelled with this deployment (a container renamed by hand, say).
          for (const container of await scope.docker.listManaged(scope.row.id)) {
            if (await scope.docker.removeIfExists(container.id)) removed.push(container.name);
          }
          ctx.log(removed.length > 0 ? `Removed ${removed.join(', ')}` : 'No container to remove');
          return { removed };
        },
      },
      {
        name: 'remove-data',
        timeoutMs: 5 * 60_000,
        run: async (ctx) => {
          if (!ctx.input.removeVolumes) return ctx.skip('volumes and data kept (removeVolumes: false)');
          const scope = await steps.scope(ctx, ctx.input.deploymentId);
          const volumes = await scope.docker.volumesOf(scope.row.id);
          for (const volume of volumes) await scope.docker.removeVolume(volume);
          const dir = await steps.deploymentDir(scope.docker, scope.row.id);
          const hadDir = await scope.docker.pathExists(dir);
          if (hadDir) await scope.docker.removeDirectory(dir, scope.row.image);
          ctx.log(`Removed ${volumes.length} volume(s)${hadDir ? ` and ${dir}` : ''}`);
          return { volumes, directory: hadDir ? dir : null };
        },
      },
      {
        name: 'record',
        timeoutMs: 30_000,
        run: async (ctx) => {
          await steps.records.delete(ctx.input.deploymentId);
          return { deploymentId: ctx.input.deploymentId, uninstalled: true };
        },
      },
    ],
  });
}

function logsWorkflow(steps: DeploymentSteps, redis: Redis | null, prefix: string) {
  return defineWorkflow({
    kind: JobKind.DeploymentLogs,
    steps: [
      {
        name: 'read-logs',
        retry: { maxAttempts: 2, initialDelayMs: 500 },
        timeoutMs: 45_000,
        run: async (ctx) => {
          if (!redis) throw new TomoException(ErrorCode.Internal, 'No Redis client in this process');
          const row = await steps.records.get(ctx.input.deploymentId);
          const docker = steps.docker(row.serverId, ctx);
          const logs = await docker.logs(row.containerName, ctx.input.tail);
          await redis.set(containerLogsKey(prefix, ctx.jobId), logs, 'EX', LOGS_TTL_SECONDS);
          const lines = logs === '' ? 0 : logs.split('\n').length;
          ctx.log(`Read ${lines} line(s) of ${row.containerName}`);
          return { lines };
        },
      },
    ],
  });
}

export interface ReconcileResult {
  servers: number;
  checked: number;
  changed: { deploymentId: string; from: DeploymentStatus; to: DeploymentStatus }[];
  /** Labelled with a deployment no record knows; `removed`: an orphan the platform made that was not running. */
  unknownContainers: { serverId: string; container: string; deploymentId: string; appId: string; state: string; removed: boolean }[];
  unreachableServers: string[];
  /** Deployments recorded RUNNING whose container has exited or keeps restarting: seen once per change (the record then says STOPPED). */
  crashed: { deploymentId: string; serverId: string; containerName: string; appId: string; state: string }[];
}

/** Container states of a deployment recorded RUNNING that mean its app crashed (`restarting`: Docker's restart policy is looping). */
const CRASHED_STATES = new Set(['exited', 'dead', 'restarting']);

/**
 * Compares every deployment with the containers labelled `tomo.deployment` on its server:
 * RUNNING (health check passes once), UNHEALTHY, STOPPED, MISSING; and reports labelled
 * containers no deployment knows. Deployments with a job still going are left alone.
 * Orphans (`tomo.managed=true`, a deployment id no record has, checked again right before)
 * that are not running, such as what an interrupted `docker create` left, are removed; a
 * running one is only reported: it may serve something, and removing it is a person's call.
 */
function reconcileWorkflow(steps: DeploymentSteps, jobs: JobsService) {
  return defineWorkflow({
    kind: JobKind.MaintenanceReconcileDeployments,
    steps: [
      {
        name: 'reconcile',
        retry: ONE_ATTEMPT,
        timeoutMs: 20 * 60_000,
        run: async (ctx): Promise<ReconcileResult> => {
          const rows = await steps.records.list(null);
          const byServer = new Map<string, typeof rows>();
          for (const row of rows) byServer.set(row.serverId, [...(byServer.get(row.serverId) ?? []), row]);
          const result: ReconcileResult = { servers: byServer.size, checked: 0, changed: [], unknownContainers: [], unreachableServers: [], crashed: [] };
          const known = new Set(rows.map((row) => row.id));
          for (const [serverId, deployments] of byServer) {
            ctx.signal.throwIfAborted();
            const docker = steps.docker(serverId, ctx);
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
              const orphan = container.managed && !ORPHAN_KEEP_STATES.has(container.state) && !(await steps.records.find(container.deploymentId));
              const removed = orphan && (await docker.removeIfExists(container.name).catch(() => false));
              result.unknownContainers.push({ serverId, container: container.name, deploymentId: container.deploymentId, appId: container.appId, state: container.state, removed });
              ctx.log(
                `Server ${serverId}: container ${container.name} (${container.state}) is labelled tomo.deployment=${container.deploymentId}, which no deployment knows; ` +
                  (removed ? 'removed it (an orphan the platform created)' : container.managed ? 'left it (it runs): remove it by hand if it is not needed' : 'left it (not tomo.managed)'),
              );
            }
            for (const row of deployments) {
              if (row.status === DeploymentStatus.Installing || row.status === DeploymentStatus.Uninstalling || row.status === DeploymentStatus.Failed) continue;
              const last = row.lastJobId ? await jobs.find(row.lastJobId) : null;
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
                const scope = await steps.scope(ctx, row.id);
                try {
                  await steps.healthCheck(scope, row.config, row.containerName, { attempts: 1, graceMs: 0 });
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
                  result.crashed.push({ deploymentId: row.id, serverId, containerName: row.containerName, appId: row.appId, state: container.state });
                }
                ctx.log(`Deployment ${row.id} (${row.containerName}): ${row.status} → ${status}${message ? ` (${message})` : ''}`);
              }
              await steps.records.update(row.id, { status, statusMessage: message });
            }
          }
          ctx.log(`Checked ${result.checked} deployment(s) on ${result.servers} server(s); ${result.changed.length} changed, ${result.unknownContainers.length} unknown container(s)`);
          return result;
        },
      },
    ],
  });
}

/** States of an orphan container that reconciliation leaves alone (it may be serving, or is going already). */
const ORPHAN_KEEP_STATES = new Set(['running', 'restarting', 'paused', 'removing']);

/** Removes a container of this deployment if it exists (never another deployment's). */
async function removeOwn(steps: DeploymentSteps, scope: DeploymentScope, name: string): Promise<boolean> {
  const found = await scope.docker.inspect(name);
  if (!found) return false;
  if (found.labels[LABEL_DEPLOYMENT] !== scope.row.id) {
    throw new TomoException(ErrorCode.Conflict, `Container ${name} does not belong to deployment ${scope.row.id}; left alone`);
  }
  return scope.docker.removeIfExists(name);
}

export function deploymentWorkflows(steps: DeploymentSteps, jobs: JobsService, redis: Redis | null, redisPrefix: string): WorkflowDefinition<never>[] {
  return [
    installWorkflow(steps),
    ...lifecycleWorkflows(steps),
    updateWorkflow(steps),
    uninstallWorkflow(steps),
    logsWorkflow(steps, redis, redisPrefix),
    reconcileWorkflow(steps, jobs),
  ];
}

/**
 * Registers the deployment workflows in every process that imports DeploymentsModule. In the
 * API the definitions are there for JobsService (step rows); their steps would refuse to run
 * (ServerShell has no SSH pool there).
 */
@Injectable()
export class DeploymentWorkflows implements OnModuleInit {
  constructor(
    private readonly registry: WorkflowRegistry,
    private readonly records: DeploymentRecords,
    private readonly marketplace: MarketplaceService,
    private readonly jobs: JobsService,
    @Inject(TOMO_CONFIG) private readonly config: CommonConfig,
    private readonly hosts: DeploymentHosts,
    @Optional() @Inject(REDIS_CLIENT) private readonly redis?: Redis,
  ) {}

  onModuleInit(): void {
    const steps = new DeploymentSteps(this.records, this.marketplace, this.hosts);
    for (const definition of deploymentWorkflows(steps, this.jobs, this.redis ?? null, this.config.redisPrefix)) {
      this.registry.register(definition);
    }
  }
}
