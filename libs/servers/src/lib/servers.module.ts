import { Injectable, Module, Optional } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RecordChangesModule } from '@tomo/redis';
import { SettingsModule, SettingsService } from '@tomo/settings';
import { DefinesWorkflows, type WorkflowSource, WorkflowsModule } from '@tomo/workflows';
import { collectServerMetricsWorkflow } from './collect-metrics.workflow';
import { pruneImagesWorkflow } from './prune-images.workflow';
import { SERVER_ENTITIES } from './entities';
import { ServerMetricsStore } from './server-metrics.store';
import { ServerCommands, requireServerCommands } from './server-commands';
import { ServersService } from './servers.service';
import { testConnectionWorkflow } from './test-connection.workflow';

/** The servers workflows (in the API for JobsService.create, in the worker, which has ServerCommands, to run them). */
@DefinesWorkflows()
@Injectable()
class ServerWorkflows implements WorkflowSource {
  constructor(
    private readonly servers: ServersService,
    private readonly metrics: ServerMetricsStore,
    private readonly settings: SettingsService,
    @Optional() private readonly commands?: ServerCommands,
  ) {}

  workflows() {
    const shell = () => requireServerCommands(this.commands);
    return [
      testConnectionWorkflow({ servers: this.servers, shell }),
      collectServerMetricsWorkflow({
        servers: this.servers,
        metrics: this.metrics,
        shell,
        hourlyRetentionDays: () => this.settings.value('metricsRetentionDays'),
      }),
      pruneImagesWorkflow({ servers: this.servers, shell }),
    ];
  }
}

/**
 * Servers for every process: records (ServersService), metrics (ServerMetricsStore), the
 * workflows, the per-server lock limit, the encrypted columns. Needs the database, the
 * workflows engine and SecretsModule. The worker also imports ServerShellModule of
 * @tomo/server-shell, which provides ServerCommands over SSH.
 */
@Module({
  imports: [TypeOrmModule.forFeature(SERVER_ENTITIES), WorkflowsModule, RecordChangesModule, SettingsModule],
  providers: [ServersService, ServerMetricsStore, ServerWorkflows],
  exports: [ServersService, ServerMetricsStore],
})
export class ServersModule {}
