import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { JobKind } from '@tomo/shared';
import { defineWorkflow, WorkflowRegistry, WorkflowsModule } from '@tomo/workflows';
import { IdentityModule } from '../identity.module';
import { SessionsService } from './sessions.service';

/** How long an ended session (expired or revoked) stays on record; the audit log keeps sign-ins for good. */
export const ENDED_SESSION_RETENTION_DAYS = 7;

declare module '@tomo/workflows' {
  interface JobInputs {
    [JobKind.MaintenancePruneSessions]: { retentionDays?: number };
  }
}

export function pruneSessionsWorkflow(sessions: SessionsService) {
  return defineWorkflow({
    kind: JobKind.MaintenancePruneSessions,
    steps: [
      {
        name: 'delete-ended-sessions',
        timeoutMs: 5 * 60_000,
        run: async (ctx) => {
          const days = ctx.input.retentionDays ?? ENDED_SESSION_RETENTION_DAYS;
          const before = new Date(Date.now() - days * 24 * 60 * 60_000);
          const deleted = await sessions.deleteEndedBefore(before);
          ctx.log(`Deleted ${deleted} session(s) that ended before ${before.toISOString()}`);
          return { deleted, before: before.toISOString(), retentionDays: days };
        },
      },
    ],
  });
}

/** The `prune-sessions` schedule (libs/schedules lists it among the platform's schedules). */
export const PRUNE_SESSIONS_SCHEDULE = {
  name: 'prune-sessions',
  kind: JobKind.MaintenancePruneSessions,
  everySeconds: 24 * 60 * 60,
  description: `Deletes sign-in sessions that ended more than ${ENDED_SESSION_RETENTION_DAYS} days ago.`,
  input: (): { retentionDays?: number } => ({}),
} as const;

@Injectable()
export class IdentityWorkflows implements OnModuleInit {
  constructor(
    private readonly registry: WorkflowRegistry,
    private readonly sessions: SessionsService,
  ) {}

  onModuleInit(): void {
    this.registry.register(pruneSessionsWorkflow(this.sessions));
  }
}

/** Registers identity's maintenance workflows (worker and API, like the other workflow modules). */
@Module({ imports: [IdentityModule, WorkflowsModule], providers: [IdentityWorkflows] })
export class IdentityWorkflowsModule {}
