import { type DynamicModule, Injectable, Module } from '@nestjs/common';
import { TomoConfigModule, type WorkerConfig } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { SecretsModule } from '@tomo/secrets';
import { ServerCommands } from '@tomo/servers';
import { ServerShellModule } from '@tomo/server-shell';
import { JobKind } from '@tomo/shared';
import {
  DefinesWorkflows,
  defineWorkflow,
  type WorkflowSource,
  WorkflowsModule,
  WorkflowWorkerModule,
} from '@tomo/workflows';

/** A test-only workflow: one step running `sleep <seconds>` on the job's server through ServerCommands. */
export const REMOTE_SLEEP_KIND = 'test.servers.remote-sleep';

@DefinesWorkflows()
@Injectable()
class RemoteSleepWorkflow implements WorkflowSource {
  constructor(private readonly shell: ServerCommands) {}

  workflows() {
    const workflow = defineWorkflow({ kind: REMOTE_SLEEP_KIND });
    workflow.step('sleep', {
      retry: { maxAttempts: 1 },
      run: async (ctx) =>
        this.shell.run(ctx.serverId ?? '', ['sleep', String(ctx.input['seconds'])], { signal: ctx.signal }),
    });
    return [workflow];
  }
}

/** An in-process worker with the servers workflows (and the remote-sleep test workflow). */
@Module({})
export class ServersTestWorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: ServersTestWorkerModule,
      imports: [
        TomoConfigModule.forRoot(config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('tomo-servers-test-worker'),
        SecretsModule,
        ServerShellModule,
        WorkflowsModule,
        WorkflowWorkerModule.forRoot({
          kinds: [
            JobKind.SystemPing,
            JobKind.MaintenancePruneJobs,
            JobKind.ServerTestConnection,
            JobKind.MaintenanceCollectServerMetrics,
            JobKind.MaintenancePruneImages,
            REMOTE_SLEEP_KIND,
          ],
          schedulePruning: false,
          lockRetryMs: 300,
        }),
      ],
      providers: [RemoteSleepWorkflow],
    };
  }
}

// The throwaway sshd moved to @tomo/testing (the chaos runs use it too); re-exported for the servers specs.
export { freePort, ThrowawaySshd } from '@tomo/testing';
