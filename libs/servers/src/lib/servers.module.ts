import { Injectable, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RecordChangesModule } from '@tomo/redis';
import { SettingsModule, SettingsService } from '@tomo/settings';
import { SshModule } from '@tomo/ssh';
import { DefinesWorkflows, type WorkflowSource, WorkflowsModule } from '@tomo/workflows';
import { collectServerMetricsWorkflow } from './collect-metrics.workflow';
import { pruneImagesWorkflow } from './prune-images.workflow';
import { SERVER_ENTITIES } from './entities';
import { ServerMetricsStore } from './server-metrics.store';
import { ServerShell } from './server-shell';
import { ServersService } from './servers.service';
import { testConnectionWorkflow } from './test-connection.workflow';

/** The servers workflows (in the API for JobsService.create, in the worker to run them). */
@DefinesWorkflows()
@Injectable()
class ServerWorkflows implements WorkflowSource {
  constructor(
    private readonly servers: ServersService,
    private readonly metrics: ServerMetricsStore,
    private readonly shell: ServerShell,
    private readonly settings: SettingsService,
  ) {}

  workflows() {
    const shell = () => this.shell;
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
 * workflows engine and SecretsModule. The API imports this; the worker imports
 * ServersWorkerModule, which adds the SSH pool that ServerShell needs.
 */
@Module({
  imports: [TypeOrmModule.forFeature(SERVER_ENTITIES), WorkflowsModule, RecordChangesModule, SettingsModule],
  providers: [ServersService, ServerMetricsStore, ServerShell, ServerWorkflows],
  exports: [ServersService, ServerMetricsStore, ServerShell],
})
export class ServersModule {}

/**
 * ServersModule plus the process's SSH connection pool (SshModule.forRoot): ServerShell works.
 * Import once, in the worker; feature modules that only need ServersService/ServerShell import
 * ServersModule.
 */
@Module({
  imports: [ServersModule, SshModule.forRoot()],
  exports: [ServersModule],
})
export class ServersWorkerModule {}
