import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MarketplaceModule } from '@tomo/marketplace';
import { RecordChangesModule } from '@tomo/redis';
import { SecretsModule } from '@tomo/secrets';
import { requireServerCommands, ServerCommands, ServersModule, ServersService } from '@tomo/servers';
import { SettingsModule } from '@tomo/settings';
import { WorkflowsModule } from '@tomo/workflows';
import { DeploymentHosts, type HostSession } from './deployment-hosts';
import { DeploymentRecords } from './deployment-records';
import { DeploymentWorkflows } from './deployment-workflows';
import { DeploymentServerLookup, DeploymentsService } from './deployments.service';
import { DEPLOYMENT_ENTITIES } from './entities';

/** DeploymentHosts on top of the servers module (ServerCommands exist in the worker only). */
class ServerDeploymentHosts extends DeploymentHosts {
  constructor(
    private readonly commands: ServerCommands | undefined,
    private readonly servers: ServersService,
  ) {
    super();
  }

  async connect(serverId: string): Promise<HostSession> {
    return requireServerCommands(this.commands).connect(serverId);
  }

  async host(serverId: string): Promise<string> {
    return (await this.servers.get(serverId)).host;
  }
}

/** A server that still has deployments is not deleted (CONFLICT): the servers lib does not know this one. */
@Injectable()
class ServerDeletionGuardRegistration implements OnModuleInit {
  constructor(
    private readonly servers: ServersService,
    private readonly records: DeploymentRecords,
  ) {}

  onModuleInit(): void {
    this.servers.registerDeletionGuard(async (server) => {
      const count = await this.records.countOnServer(server.id);
      return count > 0
        ? `Server "${server.name}" has ${count} deployment(s): uninstall them before deleting the server`
        : null;
    });
  }
}

/**
 * Deployments for the API and the worker: records, DeploymentsService, and the deployment
 * workflows (registered in both; they run in the worker, whose ServerShellModule brings ServerCommands).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature(DEPLOYMENT_ENTITIES),
    SecretsModule,
    WorkflowsModule,
    MarketplaceModule,
    ServersModule,
    RecordChangesModule,
    SettingsModule,
  ],
  providers: [
    DeploymentRecords,
    DeploymentWorkflows,
    DeploymentsService,
    ServerDeletionGuardRegistration,
    {
      provide: DeploymentHosts,
      inject: [{ token: ServerCommands, optional: true }, ServersService],
      useFactory: (commands: ServerCommands | undefined, servers: ServersService) =>
        new ServerDeploymentHosts(commands, servers),
    },
    {
      provide: DeploymentServerLookup,
      inject: [ServersService],
      useFactory: (servers: ServersService): DeploymentServerLookup => ({
        assertExists: async (serverId: string) => {
          await servers.get(serverId);
        },
      }),
    },
  ],
  exports: [DeploymentsService, DeploymentRecords],
})
export class DeploymentsModule {}
