import { Args, ID, Int, Mutation, Parent, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { type DeploymentEntity, DeploymentsService } from '@tomo/deployments';
import type { Principal } from '@tomo/identity';
import { ChangedRecord, RecordChangeStream } from '@tomo/redis';
import { type ServerEntity, ServersService } from '@tomo/servers';
import { Role } from '@tomo/shared';
import { type JobRow, JobsService } from '@tomo/workflows';
import { Roles } from '../auth/access.decorator';
import { AuditTarget } from '../auth/audit.interceptor';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Job } from '../jobs/job.types';
import { Server } from '../servers/server.types';
import { Deployment, DeploymentConfigType, InstallAppInput, UpdateAppInput } from './deployment.types';

/** Deployments over GraphQL: a thin door to DeploymentsService. Every action is a job. */
@Resolver(() => Deployment)
export class DeploymentsResolver {
  constructor(
    private readonly deploymentsService: DeploymentsService,
    private readonly serversService: ServersService,
    private readonly jobsService: JobsService,
    private readonly changes: RecordChangeStream,
  ) {}

  @Roles(Role.Viewer)
  @Subscription(() => Deployment, {
    description:
      'Deployments as they change: installed, status from jobs and reconciliation, updated (not removals: see jobUpdated).',
    resolve: (deployment: DeploymentEntity) => deployment,
  })
  deploymentUpdated(): Promise<AsyncIterableIterator<DeploymentEntity>> {
    return this.changes.rows(ChangedRecord.Deployment, (id) => this.deploymentsService.find(id));
  }

  @Roles(Role.Viewer)
  @Query(() => [Deployment], { description: 'Deployments, oldest first; of one server when serverId is given.' })
  deployments(
    @Args('serverId', { type: () => ID, nullable: true }) serverId: string | null,
  ): Promise<DeploymentEntity[]> {
    return this.deploymentsService.list(serverId ?? null);
  }

  @Roles(Role.Viewer)
  @Query(() => Deployment, { description: 'A deployment by id (NOT_FOUND if there is none).' })
  deployment(@Args('id', { type: () => ID }) id: string): Promise<DeploymentEntity> {
    return this.deploymentsService.get(id);
  }

  @Roles(Role.Viewer)
  @Query(() => String, {
    description:
      "The container's last `tail` lines (default 200, at most 5000), with timestamps. Read over SSH by a short deployment.logs job.",
    // A job and an SSH command each: a tenth of an operation's budget (graphql/operation-limits.ts).
    complexity: 100,
  })
  containerLogs(
    @Args('deploymentId', { type: () => ID }) deploymentId: string,
    @Args('tail', { type: () => Int, nullable: true }) tail: number | null,
    @CurrentPrincipal() principal: Principal,
  ): Promise<string> {
    return this.deploymentsService.logs(deploymentId, tail, principal.username);
  }

  @Roles(Role.Operator)
  @AuditTarget('deployment')
  @Mutation(() => Job, {
    description:
      'Installs an app on a server (a deployment.install job: validate, preflight, pull, volumes, container, health check). BAD_USER_INPUT at once for a configuration the app does not accept.',
  })
  installApp(@Args('input') input: InstallAppInput, @CurrentPrincipal() principal: Principal): Promise<JobRow> {
    return this.deploymentsService.install(input, principal.username, principal.role);
  }

  @Roles(Role.Operator)
  @AuditTarget('deployment')
  @Mutation(() => Job, { description: 'Starts the container and checks its health (deployment.start).' })
  startApp(
    @Args('deploymentId', { type: () => ID }) deploymentId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JobRow> {
    return this.deploymentsService.start(deploymentId, principal.username);
  }

  @Roles(Role.Operator)
  @AuditTarget('deployment')
  @Mutation(() => Job, { description: 'Stops the container (deployment.stop).' })
  stopApp(
    @Args('deploymentId', { type: () => ID }) deploymentId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JobRow> {
    return this.deploymentsService.stop(deploymentId, principal.username);
  }

  @Roles(Role.Operator)
  @AuditTarget('deployment')
  @Mutation(() => Job, { description: 'Restarts the container and checks its health (deployment.restart).' })
  restartApp(
    @Args('deploymentId', { type: () => ID }) deploymentId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JobRow> {
    return this.deploymentsService.restart(deploymentId, principal.username);
  }

  @Roles(Role.Operator)
  @AuditTarget('deployment')
  @Mutation(() => Job, {
    description:
      'Moves the deployment to another image tag and/or configuration (deployment.update). The new container must pass the health check before the old one is removed; otherwise the old one keeps (or resumes) running.',
  })
  updateApp(@Args('input') input: UpdateAppInput, @CurrentPrincipal() principal: Principal): Promise<JobRow> {
    return this.deploymentsService.update(input, principal.username, principal.role);
  }

  @Roles(Role.Operator)
  @AuditTarget('deployment')
  @Mutation(() => Job, {
    description:
      'Removes the container, and with removeVolumes its volumes and data directory; then the record (deployment.uninstall).',
  })
  uninstallApp(
    @Args('deploymentId', { type: () => ID }) deploymentId: string,
    @Args('removeVolumes', { type: () => Boolean, nullable: true, defaultValue: false }) removeVolumes: boolean,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JobRow> {
    return this.deploymentsService.uninstall(deploymentId, removeVolumes, principal.username);
  }

  @ResolveField(() => Server, { nullable: true, description: 'null if the server record is gone.' })
  server(@Parent() deployment: DeploymentEntity): Promise<ServerEntity | null> {
    return this.serversService.find(deployment.serverId);
  }

  @ResolveField(() => DeploymentConfigType, { description: 'Secret env values are null.' })
  config(@Parent() deployment: DeploymentEntity): DeploymentConfigType {
    return this.deploymentsService.publicConfig(deployment);
  }

  @ResolveField(() => Job, { nullable: true, description: 'The last job that acted on this deployment.' })
  lastJob(@Parent() deployment: DeploymentEntity): Promise<JobRow | null> {
    return deployment.lastJobId ? this.jobsService.find(deployment.lastJobId) : Promise.resolve(null);
  }
}
