import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Module } from '@nestjs/common';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { DatabaseBackup } from '@tomo/database';
import { SettingsModule, SettingsService } from '@tomo/settings';
import { JobKind } from '@tomo/shared';
import { DefinesWorkflows, defineWorkflow, type WorkflowSource, WorkflowsModule } from '@tomo/workflows';
import { defineSchedule } from './schedule-definition';

declare module '@tomo/workflows' {
  interface JobInputs {
    /** `keep`: scheduled backups to keep; default the backupsToKeep setting. */
    [JobKind.MaintenanceBackupDatabase]: { keep?: number };
  }
}

/** What `db:backup` names its files by default; only these are pruned (never `before-restore-…` or a file named by hand). */
const SCHEDULED_BACKUP = /^tomo-(\d{8}-\d{6})(?:-(\d+))?\.(?:sqlite|dump)$/;

/** Newest first: by the UTC time in the name, then by the counter of backups made within one second. */
function newestFirst(names: string[]): string[] {
  const keyed = names.flatMap((name) => {
    const match = SCHEDULED_BACKUP.exec(name);
    return match ? [{ name, stamp: match[1], n: Number(match[2] ?? 1) }] : [];
  });
  keyed.sort((a, b) => b.stamp.localeCompare(a.stamp) || b.n - a.n);
  return keyed.map((entry) => entry.name);
}

export const BACKUP_DATABASE_SCHEDULE = defineSchedule({
  name: 'backup-database',
  kind: JobKind.MaintenanceBackupDatabase,
  everySeconds: 24 * 60 * 60,
  description: 'Backs the database up to DATA_DIR/backups (as db:backup does) and keeps the newest ones.',
  input: () => ({}),
});

export function backupDatabaseWorkflow(backups: DatabaseBackup, config: CommonConfig, settings: SettingsService) {
  const dir = join(config.dataDir, 'backups');
  const workflow = defineWorkflow({
    kind: JobKind.MaintenanceBackupDatabase,
  });
  const backup = workflow.step('backup', {
    timeoutMs: 30 * 60_000,
    // Run again after a crash it makes one more file; the next step keeps the count right.
    run: async (ctx) => {
      const result = await backups.backup();
      ctx.log(`Backed up to ${result.path} (${result.bytes} bytes)`);
      return result;
    },
  });
  const prune = workflow.step('delete-old-backups', {
    run: async (ctx) => {
      const keep = ctx.input.keep ?? (await settings.value('backupsToKeep'));
      const scheduled = newestFirst(await readdir(dir));
      const old = scheduled.slice(keep);
      for (const name of old) await rm(join(dir, name), { force: true });
      if (old.length === 0) return ctx.skip(`${scheduled.length} backup(s), keeping up to ${keep}`);
      ctx.log(`Deleted ${old.join(', ')}`);
      return { kept: scheduled.length - old.length, deleted: old };
    },
  });
  return workflow.returns((run) => ({
    ...run.output(backup),
    ...run.output(prune),
  }));
}

@DefinesWorkflows()
@Injectable()
class MaintenanceWorkflows implements WorkflowSource {
  constructor(
    private readonly backups: DatabaseBackup,
    private readonly settings: SettingsService,
    @Inject(TOMO_CONFIG) private readonly config: CommonConfig,
  ) {}

  workflows() {
    return [backupDatabaseWorkflow(this.backups, this.config, this.settings)];
  }
}

/** The platform's own maintenance workflows (database backup); the apps import it beside SchedulesModule. */
@Module({
  imports: [WorkflowsModule, SettingsModule],
  providers: [DatabaseBackup, MaintenanceWorkflows],
})
export class MaintenanceWorkflowsModule {}
