import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import { SettingsService } from '@tomo/settings';
import { JobKind } from '@tomo/shared';
import { JobStore } from './job-store';
import { defineWorkflow } from './workflow-definition';
import { DefinesWorkflows, type WorkflowSource } from './workflow-discovery';

const PRUNE_BATCH = 500;

/** The walking skeleton: proves api → queue → worker → DB. */
export const systemPingWorkflow = defineWorkflow({ kind: JobKind.SystemPing });
systemPingWorkflow.step('pong', {
  retry: { maxAttempts: 1 },
  timeoutMs: 10_000,
  run: async () => ({ pong: true, worker: `${hostname()}:${process.pid}`, at: new Date().toISOString() }),
});

/** Deletes finished jobs (their steps and events with them) older than `retentionDays`, by default the jobRetentionDays setting. */
export function pruneJobsWorkflow(store: JobStore, settings: SettingsService) {
  const workflow = defineWorkflow({ kind: JobKind.MaintenancePruneJobs });
  workflow.step('delete-finished-jobs', {
    timeoutMs: 10 * 60_000,
    run: async (ctx) => {
      const days = ctx.input.retentionDays ?? (await settings.value('jobRetentionDays'));
      const before = new Date(Date.now() - days * 24 * 60 * 60_000);
      let deleted = 0;
      // In batches: one huge DELETE would hold SQLite's write lock against every other writer.
      for (;;) {
        ctx.signal.throwIfAborted();
        const batch = await store.deleteFinishedBefore(before, PRUNE_BATCH);
        deleted += batch;
        if (batch < PRUNE_BATCH) break;
      }
      ctx.log(`Deleted ${deleted} job(s) that finished before ${before.toISOString()}`);
      return { deleted, before: before.toISOString(), retentionDays: days };
    },
  });
  return workflow;
}

/** The engine's own workflows (in every process that imports WorkflowsModule). */
@DefinesWorkflows()
@Injectable()
export class BuiltinWorkflows implements WorkflowSource {
  constructor(
    private readonly store: JobStore,
    private readonly settings: SettingsService,
  ) {}

  workflows() {
    return [systemPingWorkflow, pruneJobsWorkflow(this.store, this.settings)];
  }
}
