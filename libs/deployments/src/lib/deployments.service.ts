import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { type AppDefinition, MarketplaceService } from '@tomo/marketplace';
import { REDIS_CLIENT } from '@tomo/redis';
import { SettingsService } from '@tomo/settings';
import { ErrorCode, isFinishedJobStatus, JobKind, JobStatus, Role, roleSatisfies, TomoException } from '@tomo/shared';
import { type JobRow, JobsService } from '@tomo/workflows';
import { containerNameFor } from './container-spec';
import {
  configAsInput,
  type DeploymentConfig,
  type DeploymentConfigInput,
  hostAccessBeyondApp,
  maskSecrets,
  mergeConfigInput,
  resolveDeploymentConfig,
} from './deployment-config';
import { DeploymentRecords } from './deployment-records';
import { containerLogsKey } from './container-logs.workflow';
import { DeploymentEntity, DeploymentStatus } from './entities';

export interface InstallAppInput {
  serverId: string;
  appId: string;
  config?: DeploymentConfigInput | null;
  idempotencyKey?: string | null;
}

export interface UpdateAppInput {
  deploymentId: string;
  /** A tag of the app's image repository; none: the image the catalog names now. */
  imageTag?: string | null;
  /** Only what changes: env by name, ports by container port, volumes by container path. */
  config?: DeploymentConfigInput | null;
}

/** Checks that a server exists (NOT_FOUND otherwise). Provided from `@tomo/servers`. */
export abstract class DeploymentServerLookup {
  abstract assertExists(serverId: string): Promise<void>;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const DEFAULT_LOG_TAIL = 200;
export const MAX_LOG_TAIL = 5_000;
const LOGS_WAIT_MS = 60_000;
/** Longest an updateApp call holds its claim (it lets go as soon as its job exists). */
const UPDATE_CLAIM_MS = 30_000;
const updateClaimKey = (prefix: string, deploymentId: string) => `${prefix}:deployment-update-claim:${deploymentId}`;

/**
 * Deployments as the API and MCP see them: every action validates what it can at once
 * (BAD_USER_INPUT/NOT_FOUND before any job exists), records what the job needs in the
 * deployment row and starts a workflow whose input holds ids only.
 */
@Injectable()
export class DeploymentsService {
  constructor(
    private readonly records: DeploymentRecords,
    private readonly marketplace: MarketplaceService,
    private readonly jobs: JobsService,
    private readonly servers: DeploymentServerLookup,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(TOMO_CONFIG) private readonly config: CommonConfig,
    private readonly settings: SettingsService,
  ) {}

  list(serverId: string | null): Promise<DeploymentEntity[]> {
    return this.records.list(serverId);
  }

  /** Deployments per status (only statuses that occur), without loading them. */
  countByStatus(): Promise<Map<string, number>> {
    return this.records.countByStatus();
  }

  get(id: string): Promise<DeploymentEntity> {
    return this.records.get(id);
  }

  find(id: string): Promise<DeploymentEntity | null> {
    return this.records.find(id);
  }

  /** The configuration as shown to users: secret values are null. */
  publicConfig(row: DeploymentEntity): DeploymentConfig {
    return maskSecrets(row.config);
  }

  async install(input: InstallAppInput, requestedBy: string | null, callerRole: Role): Promise<JobRow> {
    await this.servers.assertExists(input.serverId);
    const app = await this.marketplace.getApp(input.appId);
    const config = resolveDeploymentConfig(
      app.definition,
      input.config,
      await this.settings.value('defaultPullPolicy'),
    );
    assertHostAccess(app.definition, config, null, callerRole);
    const sealed = this.records.seal(config);
    const id = randomUUID();
    const now = new Date();
    const row: DeploymentEntity = {
      id,
      serverId: input.serverId,
      appId: app.id,
      status: DeploymentStatus.Installing,
      statusMessage: null,
      containerName: containerNameFor(app.id, id),
      containerId: null,
      image: app.definition.image.reference,
      config: sealed.config,
      secretEnv: sealed.secretEnv,
      targetImage: null,
      targetConfig: null,
      targetSecretEnv: null,
      accessUrls: [],
      lastJobId: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.records.insert(row);
    let job: JobRow;
    try {
      job = await this.jobs.create(
        JobKind.DeploymentInstall,
        { deploymentId: id },
        {
          requestedBy,
          serverId: input.serverId,
          deploymentId: id,
          idempotencyKey: input.idempotencyKey,
          // What was asked, not the new deployment id; secret values are left out (masked), so
          // a repeat that changes only a secret's value counts as the same request.
          request: { serverId: input.serverId, appId: app.id, config: sealed.config },
        },
      );
    } catch (error) {
      await this.records.delete(id);
      throw error;
    }
    if (job.deploymentId !== id) {
      // The idempotency key had started an install already: that one is the answer.
      await this.records.delete(id);
      return job;
    }
    await this.records.update(id, { lastJobId: job.id });
    return job;
  }

  start(deploymentId: string, requestedBy: string | null): Promise<JobRow> {
    return this.action(JobKind.DeploymentStart, deploymentId, requestedBy);
  }

  stop(deploymentId: string, requestedBy: string | null): Promise<JobRow> {
    return this.action(JobKind.DeploymentStop, deploymentId, requestedBy);
  }

  restart(deploymentId: string, requestedBy: string | null): Promise<JobRow> {
    return this.action(JobKind.DeploymentRestart, deploymentId, requestedBy);
  }

  async update(input: UpdateAppInput, requestedBy: string | null, callerRole: Role): Promise<JobRow> {
    const row = await this.records.get(input.deploymentId);
    this.assertInstalled(row);
    const app = await this.marketplace.getApp(row.appId);
    const tag = input.imageTag?.trim() || null;
    if (tag !== null && !TAG.test(tag)) {
      throw new TomoException(
        ErrorCode.BadUserInput,
        `imageTag "${tag}" is not a valid tag (letters, digits, _ . -; at most 128)`,
      );
    }
    const image = tag === null ? app.definition.image.reference : `${app.definition.image.repository}:${tag}`;
    const current = this.records.fullConfig(row);
    const config = resolveDeploymentConfig(app.definition, mergeConfigInput(configAsInput(current), input.config));
    assertHostAccess(app.definition, config, current, callerRole);
    const sealed = this.records.seal(config);
    // The update job reads its target from the row: while one is pending, a second one would
    // overwrite it under the first (the record would say B while A runs). The claim closes the
    // window between the check and the new job, across API replicas.
    const claim = updateClaimKey(this.config.redisPrefix, row.id);
    if ((await this.redis.set(claim, requestedBy ?? 'system', 'PX', UPDATE_CLAIM_MS, 'NX')) !== 'OK') {
      throw new TomoException(
        ErrorCode.Conflict,
        `An update of deployment ${row.id} is being started; wait for its job, then update again`,
      );
    }
    try {
      const pending = await this.jobs.unfinishedOf(JobKind.DeploymentUpdate, row.id);
      if (pending) {
        throw new TomoException(
          ErrorCode.Conflict,
          `Deployment ${row.id} has an update pending (job ${pending.id}, ${pending.status}); wait for it to finish or cancel it, then update again`,
        );
      }
      await this.records.update(row.id, {
        targetImage: image,
        targetConfig: sealed.config,
        targetSecretEnv: sealed.secretEnv,
      });
      return await this.startJob(JobKind.DeploymentUpdate, row, requestedBy);
    } finally {
      await this.redis.del(claim);
    }
  }

  async uninstall(deploymentId: string, removeVolumes: boolean, requestedBy: string | null): Promise<JobRow> {
    const row = await this.records.get(deploymentId);
    const job = await this.jobs.create(
      JobKind.DeploymentUninstall,
      { deploymentId, removeVolumes },
      {
        requestedBy,
        serverId: row.serverId,
        deploymentId,
      },
    );
    await this.records.update(deploymentId, { lastJobId: job.id });
    return job;
  }

  /**
   * The container's last `tail` lines. The API has no SSH connections, so this runs a short
   * `deployment.logs` job on a worker and waits for it (at most a minute). The lines travel
   * through Redis with a two-minute expiry, never through the job's stored result.
   */
  async logs(deploymentId: string, tail: number | null | undefined, requestedBy: string | null): Promise<string> {
    const lines = tail ?? DEFAULT_LOG_TAIL;
    if (!Number.isInteger(lines) || lines < 1 || lines > MAX_LOG_TAIL) {
      throw new TomoException(ErrorCode.BadUserInput, `tail must be an integer from 1 to ${MAX_LOG_TAIL}`);
    }
    const row = await this.records.get(deploymentId);
    // No deploymentId on the job: reading logs must not wait behind the deployment's lock.
    const job = await this.jobs.create(
      JobKind.DeploymentLogs,
      { deploymentId, tail: lines },
      { requestedBy, serverId: row.serverId },
    );
    const deadline = Date.now() + LOGS_WAIT_MS;
    let finished = job;
    while (!isFinishedJobStatus(finished.status)) {
      if (Date.now() > deadline) {
        throw new TomoException(
          ErrorCode.StepTimeout,
          `No worker read the logs within ${LOGS_WAIT_MS / 1000} s (job ${job.id})`,
        );
      }
      await sleep(100);
      finished = await this.jobs.get(job.id);
    }
    if (finished.status !== JobStatus.Succeeded) {
      throw new TomoException(
        (finished.errorCode as ErrorCode | null) ?? ErrorCode.Internal,
        finished.errorMessage ?? `Reading the logs failed (job ${job.id})`,
      );
    }
    const key = containerLogsKey(this.config.redisPrefix, job.id);
    const logs = await this.redis.get(key);
    await this.redis.del(key);
    return logs ?? '';
  }

  private async action(
    kind: JobKind.DeploymentStart | JobKind.DeploymentStop | JobKind.DeploymentRestart,
    deploymentId: string,
    requestedBy: string | null,
  ): Promise<JobRow> {
    const row = await this.records.get(deploymentId);
    this.assertInstalled(row);
    return this.startJob(kind, row, requestedBy);
  }

  private async startJob(
    kind: JobKind.DeploymentStart | JobKind.DeploymentStop | JobKind.DeploymentRestart | JobKind.DeploymentUpdate,
    row: DeploymentEntity,
    requestedBy: string | null,
  ): Promise<JobRow> {
    const job = await this.jobs.create(
      kind,
      { deploymentId: row.id },
      { requestedBy, serverId: row.serverId, deploymentId: row.id },
    );
    await this.records.update(row.id, { lastJobId: job.id });
    return job;
  }

  private assertInstalled(row: DeploymentEntity): void {
    if (row.status === DeploymentStatus.Failed || row.status === DeploymentStatus.Uninstalling) {
      throw new TomoException(
        ErrorCode.Conflict,
        `Deployment ${row.id} is ${row.status}; install it again or uninstall it`,
      );
    }
  }
}

/** FORBIDDEN, naming each choice, when a non-ADMIN reaches the host beyond what the app declares. */
function assertHostAccess(
  app: AppDefinition,
  config: DeploymentConfig,
  before: DeploymentConfig | null,
  callerRole: Role,
): void {
  if (roleSatisfies(callerRole, Role.Admin)) return;
  const reasons = hostAccessBeyondApp(app, config, before);
  if (reasons.length > 0) {
    throw new TomoException(
      ErrorCode.Forbidden,
      `Only an ADMIN may give a deployment this access to the server: ${reasons.join('; ')}`,
    );
  }
}
