import { Injectable, Module } from '@nestjs/common';
import { JobKind } from '@tomo/shared';
import { SettingsModule, SettingsService } from '@tomo/settings';
import { DefinesWorkflows, defineWorkflow, type WorkflowSource, WorkflowsModule } from '@tomo/workflows';
import { AuditService } from '../audit/audit.service';
import { IdentityModule } from '../identity.module';
import { SessionsService } from './sessions.service';

/** How long an ended session (expired or revoked) stays on record; the audit log keeps sign-ins for good. */
export const ENDED_SESSION_RETENTION_DAYS = 7;

declare module '@tomo/workflows' {
  interface JobInputs {
    [JobKind.MaintenancePruneSessions]: { retentionDays?: number };
  }
}

/** Deletes audit entries past the auditRetentionDays setting, then ended sessions (whose figures are the job's result). */
export function pruneSessionsWorkflow(sessions: SessionsService, audit: AuditService, settings: SettingsService) {
  const workflow = defineWorkflow({ kind: JobKind.MaintenancePruneSessions });
  workflow.step('delete-old-audit-entries', {
    timeoutMs: 5 * 60_000,
    run: async (ctx) => {
      const days = await settings.value('auditRetentionDays');
      const before = new Date(Date.now() - days * 24 * 60 * 60_000);
      const deleted = await audit.deleteBefore(before);
      ctx.log(`Deleted ${deleted} audit entr${deleted === 1 ? 'y' : 'ies'} older than ${before.toISOString()}`);
      return { deleted, before: before.toISOString(), retentionDays: days };
    },
  });
  workflow.step('delete-ended-sessions', {
    timeoutMs: 5 * 60_000,
    run: async (ctx) => {
      const days = ctx.input.retentionDays ?? ENDED_SESSION_RETENTION_DAYS;
      const before = new Date(Date.now() - days * 24 * 60 * 60_000);
      const deleted = await sessions.deleteEndedBefore(before);
      ctx.log(`Deleted ${deleted} session(s) that ended before ${before.toISOString()}`);
      return { deleted, before: before.toISOString(), retentionDays: days };
    },
  });
  return workflow;
}

/** The `prune-sessions` schedule (libs/schedules lists it among the platform's schedules). */
export const PRUNE_SESSIONS_SCHEDULE = {
  name: 'prune-sessions',
  kind: JobKind.MaintenancePruneSessions,
  everySeconds: 24 * 60 * 60,
  description: `Deletes sign-in sessions that ended more than ${ENDED_SESSION_RETENTION_DAYS} days ago, and audit entries older than the audit retention.`,
  input: (): { retentionDays?: number } => ({}),
} as const;

@DefinesWorkflows()
@Injectable()
export class IdentityWorkflows implements WorkflowSource {
  constructor(
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly settings: SettingsService,
  ) {}

  workflows() {
    return [pruneSessionsWorkflow(this.sessions, this.audit, this.settings)];
  }
}

/** Identity's maintenance workflows (worker and API, like the other workflow modules). */
@Module({ imports: [IdentityModule, WorkflowsModule, SettingsModule], providers: [IdentityWorkflows] })
export class IdentityWorkflowsModule {}
