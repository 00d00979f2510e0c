import { Args, ID, Info, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { Principal } from '@tomo/identity';
import { ChangedRecord, RecordChangeStream } from '@tomo/redis';
import { type ServerEntity, type ServerMetricEntity, ServerMetricsStore, ServersService } from '@tomo/servers';
import { Role } from '@tomo/shared';
import type { JobRow } from '@tomo/workflows';
import { Roles } from '../auth/access.decorator';
import { AuditTarget } from '../auth/audit.interceptor';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { selectedFields } from '../graphql/selected-fields';
import { Job } from '../jobs/job.types';
import { AddServerInput, Server, ServerMetric, UpdateServerInput } from './server.types';

/** Servers over GraphQL: a thin door to ServersService (records, jobs) and ServerMetricsStore. */
@Resolver(() => Server)
export class ServersResolver {
  constructor(
    private readonly serversService: ServersService,
    private readonly metrics: ServerMetricsStore,
    private readonly changes: RecordChangeStream,
  ) {}

  @Roles(Role.Viewer)
  @Subscription(() => Server, {
    description:
      'Servers as they change: added, edited, status and facts from connection tests and metrics samples (not deletions).',
    resolve: (server: ServerEntity) => server,
  })
  serverUpdated(): Promise<AsyncIterableIterator<ServerEntity>> {
    return this.changes.rows(ChangedRecord.Server, (id) => this.serversService.find(id));
  }

  @Roles(Role.Viewer)
  @Query(() => [Server], { description: 'Every server, by name.' })
  servers(@Info() info: GraphQLResolveInfo): Promise<ServerEntity[]> {
    return this.serversService.list(selectedFields(info));
  }

  @Roles(Role.Viewer)
  @Query(() => Server, {
    description: 'A server by id (NOT_FOUND if there is none).',
  })
  server(@Args('id', { type: () => ID }) id: string): Promise<ServerEntity> {
    return this.serversService.get(id);
  }

  @Roles(Role.Viewer)
  @Query(() => [ServerMetric], {
    description:
      'Metrics since a time, oldest first: raw samples for the recent past, hourly averages before (see bucketSeconds).',
  })
  serverMetrics(
    @Args('serverId', { type: () => ID }) serverId: string,
    @Args('since', { type: () => Date }) since: Date,
  ): Promise<ServerMetricEntity[]> {
    return this.serversService.get(serverId).then(() => this.metrics.series(serverId, since));
  }

  @Roles(Role.Operator)
  @AuditTarget('server')
  @Mutation(() => Server, {
    description:
      'Adds a server (credentials validated, then stored encrypted) and starts its connection test (a server.test-connection job).',
  })
  async addServer(
    @Args('input') input: AddServerInput,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ServerEntity> {
    return (await this.serversService.add(input, principal.username)).server;
  }

  @Roles(Role.Operator)
  @AuditTarget('server')
  @Mutation(() => Server, {
    description:
      'Changes a server; a new address or new credentials start a connection test. A new address needs the credentials again unless the caller is an ADMIN; the pinned host key is kept (see acceptServerHostKey).',
  })
  async updateServer(
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateServerInput,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ServerEntity> {
    return (await this.serversService.update(id, input, principal.username, principal.role)).server;
  }

  @Roles(Role.Operator)
  @AuditTarget('server')
  @Mutation(() => Server, {
    description: 'Deletes a server and its metrics (CONFLICT while it has deployments). Returns what was deleted.',
  })
  deleteServer(@Args('id', { type: () => ID }) id: string): Promise<ServerEntity> {
    return this.serversService.delete(id);
  }

  @Roles(Role.Operator)
  @AuditTarget('server')
  @Mutation(() => Job, {
    description: 'Starts a connection test: host key, OS, resources, Docker; updates the status.',
  })
  testConnection(
    @Args('serverId', { type: () => ID }) serverId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JobRow> {
    return this.serversService.testConnection(serverId, principal.username);
  }

  @Roles(Role.Admin)
  @AuditTarget('server')
  @Mutation(() => Server, {
    description:
      'After HOST_KEY_MISMATCH: pins the host key the server presented and tests the connection again. CONFLICT without a mismatch.',
  })
  async acceptServerHostKey(
    @Args('id', { type: () => ID }) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ServerEntity> {
    return (await this.serversService.acceptHostKey(id, principal.username)).server;
  }
}
