import { LessThan, type Repository } from 'typeorm';
import type { CommonConfig } from '@tomo/config';
import type { AuditLogEntity } from '@tomo/identity';
import { JobKind } from '@tomo/shared';
import { defineWorkflow } from '@tomo/workflows';
import { defineSchedule } from './schedule-definition';

declare module '@tomo/workflows' {
  interface JobInputs {
    /** `retentionDays`: default AUDIT_RETENTION_DAYS. */
    [JobKind.MaintenancePruneAuditLog]: { retentionDays?: number };
  }
}

/** Small batches: one huge DELETE would hold SQLite's write lock against every other writer. */
const BATCH = 500;

export const PRUNE_AUDIT_LOG_SCHEDULE = defineSchedule({
  name: 'prune-audit-log',
  kind: JobKind.MaintenancePruneAuditLog,
  everySeconds: 24 * 60 * 60,
  description: 'Deletes audit log entries older than the retention period.',
  input: () => ({}),
});

export function pruneAuditLogWorkflow(
  audit: Repository<AuditLogEntity>,
  config: CommonConfig,
) {
  return defineWorkflow({
    kind: JobKind.MaintenancePruneAuditLog,
    steps: [
      {
        name: 'delete-old-entries',
        timeoutMs: 10 * 60_000,
        run: async (ctx) => {
          const days =
            ctx.input.retentionDays ?? config.maintenance.auditRetentionDays;
          const before = new Date(Date.now() - days * 24 * 60 * 60_000);
          let deleted = 0;
          for (;;) {
            ctx.signal.throwIfAborted();
            const batch = await audit.find({
              select: { id: true },
              where: { at: LessThan(before) },
              take: BATCH,
            });
            if (batch.length === 0) break;
            await audit.delete(batch.map((entry) => entry.id));
            deleted += batch.length;
          }
          ctx.log(
            `Deleted ${deleted} audit entries from before ${before.toISOString()} (${days} days)`,
          );
          return { deleted, before: before.toISOString() };
        },
      },
    ],
  });
}
