import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, type Repository } from 'typeorm';
import { ErrorCode, isSecretEnvName, TomoException } from '@tomo/shared';
import { type AuditActorType, AuditLogEntity, type AuditOutcome } from '../entities';

export interface AuditActor {
  type: AuditActorType;
  id?: string | null;
  name?: string | null;
}

export interface AuditRecord {
  actor: AuditActor;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  outcome: AuditOutcome;
  errorCode?: string | null;
  ip?: string | null;
  details?: Record<string, unknown> | null;
}

/** Exact-match filters of `list`: the actor's name (a username, a token's name) and the action. */
export interface AuditFilter {
  actor?: string | null;
  action?: string | null;
}

export interface AuditPage {
  entries: AuditLogEntity[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/** Keys whose values never reach the audit log, at any depth. */
const SECRET_KEY = /pass(word|phrase)?|secret|token|private.?key|credential|authorization|cookie|^key$/i;
const MAX_PAGE = 200;
/** Rows per DELETE of `deleteBefore`. */
const DELETE_BATCH = 500;
/** Deep enough for every mutation's input (installApp's config.env items sit at depth 4). */
const MAX_AUDIT_DEPTH = 6;

/**
 * A copy of `value` with secrets replaced, long strings cut, and depth bounded. A secret is a
 * field whose key looks like one (`password`, `privateKey`…) or the `value` of a `{name, value}`
 * pair whose name does (an env variable such as `WEBPASSWORD`): decided by name, wherever it sits.
 */
export function redactForAudit(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  if (typeof value !== 'object') return value;
  if (depth >= MAX_AUDIT_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 20).map((item) => redactForAudit(item, depth + 1));
  const record = value as Record<string, unknown>;
  const namedSecret = typeof record['name'] === 'string' && isSecretEnvName(record['name']);
  return Object.fromEntries(
    Object.entries(record).map(([key, item]) => [
      key,
      SECRET_KEY.test(key) || (namedSecret && key === 'value') ? '[redacted]' : redactForAudit(item, depth + 1),
    ]),
  );
}

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditLogEntity) private readonly log: Repository<AuditLogEntity>) {}

  async record(record: AuditRecord): Promise<void> {
    const entry = this.log.create({
      at: new Date(),
      actorType: record.actor.type,
      actorId: record.actor.id ?? null,
      actorName: record.actor.name?.slice(0, 120) ?? null,
      action: record.action.slice(0, 64),
      targetType: record.targetType ?? null,
      targetId: record.targetId?.slice(0, 64) ?? null,
      outcome: record.outcome,
      errorCode: record.errorCode ?? null,
      ip: record.ip?.slice(0, 64) ?? null,
      details: record.details ? (redactForAudit(record.details) as Record<string, unknown>) : null,
    });
    await this.log.save(entry);
  }

  /**
   * Deletes entries older than `before` (the auditRetentionDays setting); returns how many.
   * In small batches: one huge DELETE would hold SQLite's write lock against every other writer.
   */
  async deleteBefore(before: Date): Promise<number> {
    let deleted = 0;
    for (;;) {
      const batch = await this.log.find({ select: { id: true }, where: { at: LessThan(before) }, take: DELETE_BATCH });
      if (batch.length === 0) return deleted;
      await this.log.delete(batch.map((entry) => entry.id));
      deleted += batch.length;
    }
  }

  /**
   * Newest first; `after` is the `endCursor` of the previous page. The cursor is an entry id, so
   * paging a filtered list stays correct: each page takes the matching entries older than it.
   */
  async list(first: number, after?: string | null, filter: AuditFilter = {}): Promise<AuditPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
      throw new TomoException(ErrorCode.BadUserInput, `first must be a whole number from 1 to ${MAX_PAGE}`);
    }
    let before: number | undefined;
    if (after != null) {
      before = Number(
        Buffer.from(after, 'base64url')
          .toString('utf8')
          .replace(/^audit:/, ''),
      );
      if (!Number.isInteger(before) || before < 1)
        throw new TomoException(ErrorCode.BadUserInput, 'after is not a valid cursor');
    }
    const actorName = filterValue('actor', filter.actor, 120);
    const action = filterValue('action', filter.action, 64);
    const rows = await this.log.find({
      where: {
        ...(before === undefined ? {} : { id: LessThan(before) }),
        ...(actorName === undefined ? {} : { actorName }),
        ...(action === undefined ? {} : { action }),
      },
      order: { id: 'DESC' },
      take: first + 1,
    });
    const entries = rows.slice(0, first);
    const last = entries.at(-1);
    return {
      entries,
      hasNextPage: rows.length > first,
      endCursor: last ? auditCursor(last.id) : null,
    };
  }
}

/** A filter's value, undefined when absent; refused when blank or longer than the column. */
function filterValue(field: string, value: string | null | undefined, max: number): string | undefined {
  if (value == null) return undefined;
  if (value.trim() === '' || value.length > max) {
    throw new TomoException(ErrorCode.BadUserInput, `${field} must be 1 to ${max} characters`);
  }
  return value;
}

export function auditCursor(id: number): string {
  return Buffer.from(`audit:${id}`, 'utf8').toString('base64url');
}
