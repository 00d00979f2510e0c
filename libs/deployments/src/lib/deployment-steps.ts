import type { AppDefinition } from '@tomo/marketplace';
import { type MarketplaceService } from '@tomo/marketplace';
import { formatBytes } from '@tomo/servers';
import { ErrorCode, TomoException } from '@tomo/shared';
import type { WorkflowContext } from '@tomo/workflows';
import {
  accessUrls,
  buildContainerSpec,
  deploymentDirectory,
  healthcheckPort,
  LABEL_DEPLOYMENT,
  namedVolumeFor,
} from './container-spec';
import { type DeploymentConfig, networkModeOf, networksToJoin, PullPolicy, volumeKind } from './deployment-config';
import type { DeploymentHosts } from './deployment-hosts';
import { type DeploymentRecords } from './deployment-records';
import { DockerOnServer } from './docker-on-server';
import type { DeploymentEntity } from './entities';
import { normalizeArchitecture } from './server-facts';

/** Where relative volume paths of deployments live on a server: `$HOME/tomo/deployments/<id>`. */
export const DEPLOYMENTS_DIR = 'tomo/deployments';

/**
 * What a deployment workflow's steps work on (their workflow context): the record, the app and
 * a Docker client for the deployment's server, bound to the attempt's signal and timeline.
 */
export interface DeploymentScope {
  row: DeploymentEntity;
  app: AppDefinition;
  docker: DockerOnServer;
}

/** The image and configuration a run deploys: the record's own (install) or its pending update. */
export interface DeploymentTarget {
  image: string;
  config: DeploymentConfig;
}

/**
 * The building blocks the deployment workflows share. Each step loads what it needs from the
 * database (never from a previous step's output, which is stored in clear and must hold no
 * secret) and checks the server's state before changing it, so that running it again after a
 * crash does the right thing.
 */
export class DeploymentSteps {
  constructor(
    readonly records: DeploymentRecords,
    private readonly marketplace: MarketplaceService,
    private readonly hosts: DeploymentHosts,
  ) {}

  /** The workflow context of the deployment (see DeploymentScope). */
  async scope(ctx: Pick<WorkflowContext, 'signal' | 'log'>, deploymentId: string): Promise<DeploymentScope> {
    const row = await this.records.get(deploymentId);
    const app = (await this.marketplace.getApp(row.appId)).definition;
    return { row, app, docker: this.docker(row.serverId, ctx) };
  }

  docker(serverId: string, ctx: Pick<WorkflowContext, 'signal' | 'log'>): DockerOnServer {
    return new DockerOnServer(this.hosts, serverId, { signal: ctx.signal, log: (line) => ctx.log(line) });
  }

  hostAddress(serverId: string): Promise<string> {
    return this.hosts.host(serverId);
  }

  async deploymentDir(docker: DockerOnServer, deploymentId: string): Promise<string> {
    return deploymentDirectory(`${await docker.homeDirectory()}/${DEPLOYMENTS_DIR}`, deploymentId);
  }

  /** Creates the container `name` from the target, unless an earlier attempt did; returns its id. */
  async createContainer(
    scope: DeploymentScope,
    target: DeploymentTarget,
    name: string,
    ctx: Pick<WorkflowContext, 'log' | 'jobId'>,
  ) {
    const existing = await this.ownContainer(scope, name);
    if (existing) {
      ctx.log(`Container ${name} exists already (${existing.status}): an earlier attempt created it`);
      return { containerId: existing.id };
    }
    const deploymentDir = await this.deploymentDir(scope.docker, scope.row.id);
    const spec = buildContainerSpec({
      deployment: scope.row,
      app: scope.app,
      config: target.config,
      image: target.image,
      deploymentDir,
      jobId: ctx.jobId,
      name,
    });
    const containerId = await scope.docker.create(spec);
    ctx.log(`Created container ${name} (${containerId.slice(0, 12)}) from ${target.image}`);
    return { containerId };
  }

  /** Starts the container `name` of this deployment unless it runs already. */
  async startContainer(scope: DeploymentScope, name: string, ctx: Pick<WorkflowContext, 'log'>): Promise<boolean> {
    const state = await this.ownContainer(scope, name);
    if (!state) throw new TomoException(ErrorCode.ContainerMissing, `Container ${name} is gone`);
    if (state.running) return false;
    await scope.docker.start(name);
    ctx.log(`Started ${name}`);
    return true;
  }

  /** The record's image and configuration, secret values included (they must still decrypt). */
  current(row: DeploymentEntity): DeploymentTarget {
    return { image: row.image, config: this.records.fullConfig(row) };
  }

  /** The pending update's image and configuration; CONFLICT when there is none. */
  pendingUpdate(row: DeploymentEntity): DeploymentTarget {
    const config = this.records.fullTargetConfig(row);
    if (!config || !row.targetImage)
      throw new TomoException(ErrorCode.Conflict, `Deployment ${row.id} has no pending update`);
    return { config, image: row.targetImage };
  }

  /** Removes a container of this deployment if it exists (never another deployment's). */
  async removeOwn(scope: DeploymentScope, name: string): Promise<boolean> {
    return (await this.ownContainer(scope, name)) !== null && scope.docker.removeIfExists(name);
  }

  /** The container `name` if it exists and belongs to this deployment; CONFLICT if another one owns the name. */
  async ownContainer(scope: DeploymentScope, name: string) {
    const found = await scope.docker.inspect(name);
    if (found && found.labels[LABEL_DEPLOYMENT] !== scope.row.id) {
      throw new TomoException(
        ErrorCode.Conflict,
        `A container named ${name} exists on the server but does not belong to deployment ${scope.row.id} (its tomo.deployment label is "${found.labels[LABEL_DEPLOYMENT] ?? ''}")`,
      );
    }
    return found;
  }

  /** Docker ready, architecture, free host ports, memory and disk for the app's requirements. */
  async preflight(
    scope: DeploymentScope,
    config: DeploymentConfig,
    ctx: Pick<WorkflowContext, 'log'>,
    ownPorts: ReadonlySet<string> = new Set(),
  ): Promise<Record<string, unknown>> {
    const { docker, app } = scope;
    const engine = await docker.dockerReady();
    const arch = normalizeArchitecture(engine.arch);
    ctx.log(`Docker ${engine.version} on ${arch}`);
    const supported = app.requirements.architectures;
    if (supported.length > 0 && !supported.includes(arch as (typeof supported)[number])) {
      throw new TomoException(
        ErrorCode.BadUserInput,
        `${app.name} supports ${supported.join(', ')}; the server is ${arch}`,
      );
    }
    const bound = await docker.boundPorts();
    const taken = config.ports.filter(
      (port) => !ownPorts.has(`${port.host}/${port.protocol}`) && bound[port.protocol].has(port.host),
    );
    if (taken.length > 0) {
      throw new TomoException(
        ErrorCode.Conflict,
        `Host port${taken.length > 1 ? 's' : ''} ${taken.map((p) => `${p.host}/${p.protocol}`).join(', ')} already in use on the server`,
      );
    }
    ctx.log(
      config.ports.length > 0
        ? `Host ports free: ${config.ports.map((p) => `${p.host}/${p.protocol}`).join(', ')}`
        : 'No host ports to check',
    );
    const memory = await docker.availableMemory();
    if (memory !== null && memory < app.requirements.memoryBytes) {
      throw new TomoException(
        ErrorCode.BadUserInput,
        `${app.name} needs ${app.requirements.memory} of memory; the server has ${formatBytes(memory)} available`,
      );
    }
    const home = await docker.homeDirectory();
    const disk = await docker.availableDisk(home);
    if (disk !== null && disk < app.requirements.storageBytes) {
      throw new TomoException(
        ErrorCode.BadUserInput,
        `${app.name} needs ${app.requirements.storage} of disk; the server has ${formatBytes(disk)} free in ${home}`,
      );
    }
    ctx.log(
      `Memory available: ${memory === null ? 'unknown' : formatBytes(memory)} (needs ${app.requirements.memory}); disk free: ${disk === null ? 'unknown' : formatBytes(disk)} (needs ${app.requirements.storage})`,
    );
    return { dockerVersion: engine.version, arch, memoryAvailableBytes: memory, diskAvailableBytes: disk };
  }

  /** Pulls according to the policy; a missing image is permanent (NOT_FOUND). */
  async pull(
    docker: DockerOnServer,
    image: string,
    policy: PullPolicy,
    ctx: Pick<WorkflowContext, 'log'>,
  ): Promise<{ pulled: boolean } | null> {
    if (policy !== PullPolicy.Always && (await docker.imageExists(image))) {
      ctx.log(`Image ${image} is present (pull policy ${policy})`);
      return null;
    }
    if (policy === PullPolicy.Never) {
      throw new TomoException(ErrorCode.NotFound, `Image ${image} is not on the server and the pull policy is NEVER`);
    }
    ctx.log(`Pulling ${image}`);
    await docker.pull(image);
    return { pulled: true };
  }

  /**
   * Creates what the volumes and network need: bind paths under the deployment directory (and
   * absolute ones that do not exist yet), named volumes labelled with the deployment, and a
   * user-defined network. Returns what it created.
   */
  async prepareVolumes(scope: DeploymentScope, config: DeploymentConfig, ctx: Pick<WorkflowContext, 'log'>) {
    const { docker, row } = scope;
    const dir = await this.deploymentDir(docker, row.id);
    const created: { dirs: string[]; volumes: string[]; networks: string[] } = { dirs: [], volumes: [], networks: [] };
    for (const volume of config.volumes) {
      switch (volumeKind(volume.host)) {
        case 'relative': {
          const path = `${dir}/${volume.host.slice(2)}`.replace(/\/+$/, '');
          if (!(await docker.pathExists(path))) {
            await docker.mkdir(path);
            created.dirs.push(path);
            ctx.log(`Created directory ${path}`);
          }
          break;
        }
        case 'absolute':
          if (!(await docker.pathExists(volume.host))) {
            // Docker creates a missing bind source itself (as root); creating it as the SSH user keeps it the user's.
            const made = await docker.run(['mkdir', '-p', '--', volume.host]);
            ctx.log(
              made.exitCode === 0
                ? `Created directory ${volume.host}`
                : `${volume.host} does not exist; Docker will create it`,
            );
          }
          break;
        case 'named': {
          const name = namedVolumeFor(row.id, volume.host);
          if (!(await docker.volumeExists(name))) {
            await docker.createVolume(name, {
              'tomo.managed': 'true',
              [LABEL_DEPLOYMENT]: row.id,
              'tomo.app': row.appId,
            });
            created.volumes.push(name);
            ctx.log(`Created volume ${name}`);
          }
          break;
        }
      }
    }
    for (const network of networksToJoin(config.network)) {
      if (!(await docker.networkExists(network))) {
        await docker.createNetwork(network);
        created.networks.push(network);
        ctx.log(`Created network ${network}`);
      }
    }
    return { deploymentDir: dir, ...created };
  }

  /** Health check of a container of this deployment, with the configuration it runs. */
  async healthCheck(
    scope: DeploymentScope,
    config: DeploymentConfig,
    container: string,
    options: { attempts?: number; graceMs?: number } = {},
  ): Promise<string> {
    const port = healthcheckPort(scope.app, config);
    const mapped = config.ports.find((p) => p.host === port && p.protocol === 'tcp');
    const containerPort = networkModeOf(config.network) === 'host' ? port : (mapped?.container ?? port);
    const app =
      options.attempts && scope.app.healthcheck
        ? { ...scope.app, healthcheck: { ...scope.app.healthcheck, retries: options.attempts - 1 } }
        : scope.app;
    return scope.docker.waitHealthy(app, { container, port, containerPort }, { graceMs: options.graceMs });
  }

  async urls(scope: DeploymentScope, config: DeploymentConfig): Promise<string[]> {
    return accessUrls(await this.hostAddress(scope.row.serverId), scope.app, config);
  }
}
