import { FINISHED_JOB_STATUSES, JobStatus, StepStatus } from '@tomo/shared';
import type { JobEventEntity, JobEntity, JobStepEntity } from './entities';
import type { JobEventType } from './job-event-type';
import { readDate, type Row, sql, type SqlExecutor, type SqlQuery } from './sql-executor';

export type JobRow = Omit<JobEntity, never>;
export type StepRow = Omit<JobStepEntity, never>;
export type JobEventRecord = Omit<JobEventEntity, never>;

export interface NewEvent {
  type: JobEventType;
  step: string | null;
  message: string;
  /** The job's status right after this event, when it is not the status the change leaves the job in. */
  status?: JobStatus;
}

export interface JobPatch {
  status?: JobStatus;
  /** Set once: a later value never overwrites the first start. */
  startedAt?: Date;
  finishedAt?: Date | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  result?: Record<string, unknown> | null;
  cancelRequested?: boolean;
}

export interface StepPatch {
  position: number;
  status?: StepStatus;
  attempts?: number;
  startedAt?: Date | null;
  finishedAt?: Date | null;
  nextAttemptAt?: Date | null;
  output?: unknown;
  errorCode?: string | null;
  errorMessage?: string | null;
}

/** One atomic change of a job: its row, some step rows and the events that tell about it. */
export interface JobChange {
  jobId: string;
  job?: JobPatch;
  steps?: StepPatch[];
  events: NewEvent[];
  /** Apply only while the job's status is one of these (otherwise commit returns null). */
  onlyIfStatusIn?: readonly JobStatus[];
}

export interface CommitResult {
  /** The job's status after the change. */
  status: JobStatus;
  cancelRequested: boolean;
  events: JobEventRecord[];
}

export interface NewJob {
  id: string;
  kind: string;
  serverId: string | null;
  deploymentId: string | null;
  input: Record<string, unknown>;
  idempotencyKey: string | null;
  requestedBy: string | null;
  retryOfJobId: string | null;
  stepNames: readonly string[];
  createdAt: Date;
}

export interface JobFilter {
  status?: JobStatus | null;
  kind?: string | null;
  serverId?: string | null;
  deploymentId?: string | null;
}

export const NOT_FINISHED_STATUSES: readonly JobStatus[] = [JobStatus.Queued, JobStatus.Running, JobStatus.Waiting];

/** Largest multi-row INSERT (SQLite allows 32766 bound values; events take 7 each). */
const EVENT_INSERT_CHUNK = 500;

/**
 * The job tables, written with raw SQL: each call is one transaction. Seqs are allocated by
 * incrementing job.lastEventSeq in the same statement that patches the job row, so the API
 * and any number of workers can append to one job's timeline without gaps or duplicates.
 */
export class JobStore {
  constructor(readonly executor: SqlExecutor) {}

  /** Inserts a job with its steps and its first event, unless a job with the idempotency key exists since `idempotentSince`. */
  async createJob(job: NewJob, event: NewEvent, idempotentSince: Date | null): Promise<{ jobId: string; created: boolean; events: JobEventRecord[] }> {
    type Created = { jobId: string; created: boolean; events: JobEventRecord[] };
    const body = function* (): Generator<SqlQuery, Created, Row[]> {
      if (job.idempotencyKey && idempotentSince) {
        const [existing] = yield sql(
          'SELECT "id" FROM "job" WHERE "idempotencyKey" = ? AND "createdAt" >= ? ORDER BY "createdAt" DESC LIMIT 1',
          [job.idempotencyKey, idempotentSince],
        );
        if (existing) return { jobId: String(existing['id']), created: false, events: [] as JobEventRecord[] };
      }
      yield sql(
        'INSERT INTO "job" ("id", "kind", "status", "serverId", "deploymentId", "input", "result", "idempotencyKey", "requestedBy", "retryOfJobId", "lastEventSeq", "cancelRequested", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, 1, ?, ?, ?)',
        [job.id, job.kind, JobStatus.Queued, job.serverId, job.deploymentId, JSON.stringify(job.input), job.idempotencyKey, job.requestedBy, job.retryOfJobId, false, job.createdAt, job.createdAt],
      );
      if (job.stepNames.length > 0) yield insertSteps(job.id, job.stepNames, 0);
      const record: JobEventRecord = { jobId: job.id, seq: 1, type: event.type, step: event.step, message: event.message, status: JobStatus.Queued, at: job.createdAt };
      yield insertEvents([record]);
      return { jobId: job.id, created: true, events: [record] };
    };
    return this.executor.transaction(body, job.idempotencyKey ? `idempotency:${job.idempotencyKey}` : undefined);
  }

  /** Applies a change atomically; null when `onlyIfStatusIn` did not match (or the job is gone). */
  commit(change: JobChange): Promise<CommitResult | null> {
    return this.executor.transaction(function* () {
      const at = new Date();
      const sets = ['"lastEventSeq" = "lastEventSeq" + ?', '"updatedAt" = ?'];
      const params: unknown[] = [change.events.length, at];
      for (const [column, value] of Object.entries(change.job ?? {})) {
        if (value === undefined) continue;
        sets.push(column === 'startedAt' ? '"startedAt" = COALESCE("startedAt", ?)' : `"${column}" = ?`);
        params.push(column === 'result' ? json(value) : value);
      }
      let where = '"id" = ?';
      params.push(change.jobId);
      if (change.onlyIfStatusIn) {
        where += ` AND "status" IN (${change.onlyIfStatusIn.map(() => '?').join(', ')})`;
        params.push(...change.onlyIfStatusIn);
      }
      const [updated] = yield sql(
        `UPDATE "job" SET ${sets.join(', ')} WHERE ${where} RETURNING "lastEventSeq", "status", "cancelRequested"`,
        params,
      );
      if (!updated) return null;
      for (const step of mergeByPosition(change.steps ?? [])) yield updateStep(change.jobId, step);
      const status = updated['status'] as JobStatus;
      const lastSeq = Number(updated['lastEventSeq']);
      const firstSeq = lastSeq - change.events.length + 1;
      const events = change.events.map((event, i): JobEventRecord => ({
        jobId: change.jobId,
        seq: firstSeq + i,
        type: event.type,
        step: event.step,
        message: event.message,
        status: event.status ?? status,
        at,
      }));
      for (let i = 0; i < events.length; i += EVENT_INSERT_CHUNK) {
        yield insertEvents(events.slice(i, i + EVENT_INSERT_CHUNK));
      }
      return { status, cancelRequested: Boolean(updated['cancelRequested']), events };
    });
  }

  async loadJob(jobId: string): Promise<JobRow | null> {
    const [row] = await this.executor.query('SELECT * FROM "job" WHERE "id" = ?', [jobId]);
    return row ? toJobRow(row) : null;
  }

  /** Newest first; `after` is the last job of the previous page. */
  async listJobs(filter: JobFilter, limit: number, after: { createdAt: Date; id: string } | null): Promise<JobRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const column of ['status', 'kind', 'serverId', 'deploymentId'] as const) {
      const value = filter[column];
      if (value === undefined || value === null) continue;
      where.push(`"${column}" = ?`);
      params.push(value);
    }
    if (after) {
      where.push('("createdAt" < ? OR ("createdAt" = ? AND "id" < ?))');
      params.push(after.createdAt, after.createdAt, after.id);
    }
    const rows = await this.executor.query(
      `SELECT * FROM "job" ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY "createdAt" DESC, "id" DESC LIMIT ?`,
      [...params, limit],
    );
    return rows.map(toJobRow);
  }

  async loadSteps(jobId: string): Promise<StepRow[]> {
    const rows = await this.executor.query('SELECT * FROM "job_step" WHERE "jobId" = ? ORDER BY "position"', [jobId]);
    return rows.map(toStepRow);
  }

  /** Adds step rows a job was created without (its API process did not know the workflow). */
  async addMissingSteps(jobId: string, stepNames: readonly string[], from: number): Promise<void> {
    await this.executor.transaction(function* () {
      yield insertSteps(jobId, stepNames.slice(from), from);
    });
  }

  async eventsAfter(jobId: string, afterSeq: number, limit: number): Promise<JobEventRecord[]> {
    const rows = await this.executor.query(
      'SELECT * FROM "job_event" WHERE "jobId" = ? AND "seq" > ? ORDER BY "seq" LIMIT ?',
      [jobId, afterSeq, limit],
    );
    return rows.map(toEventRecord);
  }

  async lastEvent(jobId: string): Promise<JobEventRecord | null> {
    const [row] = await this.executor.query('SELECT * FROM "job_event" WHERE "jobId" = ? ORDER BY "seq" DESC LIMIT 1', [jobId]);
    return row ? toEventRecord(row) : null;
  }

  /** Deletes up to `batchSize` finished jobs that finished before `before`; returns how many. */
  async deleteFinishedBefore(before: Date, batchSize: number): Promise<number> {
    return this.executor.transaction(function* () {
      const rows = yield sql(
        `SELECT "id" FROM "job" WHERE "status" IN (${FINISHED_JOB_STATUSES.map(() => '?').join(', ')}) AND "finishedAt" < ? LIMIT ?`,
        [...FINISHED_JOB_STATUSES, before, batchSize],
      );
      if (rows.length === 0) return 0;
      const ids = rows.map((row) => row['id']);
      const list = ids.map(() => '?').join(', ');
      yield sql(`DELETE FROM "job_event" WHERE "jobId" IN (${list})`, ids);
      yield sql(`DELETE FROM "job_step" WHERE "jobId" IN (${list})`, ids);
      yield sql(`DELETE FROM "job" WHERE "id" IN (${list})`, ids);
      return ids.length;
    });
  }
}

/** One UPDATE per step row even when a change carries a step's start and its outcome. */
function mergeByPosition(steps: StepPatch[]): StepPatch[] {
  if (steps.length < 2 || (steps.length === 2 && steps[0].position !== steps[1].position)) return steps;
  const merged = new Map<number, StepPatch>();
  for (const step of steps) merged.set(step.position, { ...merged.get(step.position), ...step });
  return [...merged.values()];
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function insertSteps(jobId: string, names: readonly string[], from: number): SqlQuery {
  return sql(
    `INSERT INTO "job_step" ("jobId", "position", "name", "status", "attempts") VALUES ${names.map(() => '(?, ?, ?, ?, 0)').join(', ')}`,
    names.flatMap((name, i) => [jobId, from + i, name, StepStatus.Pending]),
  );
}

function updateStep(jobId: string, step: StepPatch): SqlQuery {
  const sets: string[] = [];
  const params: unknown[] = [];
  for (const [column, value] of Object.entries(step)) {
    if (column === 'position' || value === undefined) continue;
    sets.push(`"${column}" = ?`);
    params.push(column === 'output' ? json(value) : value);
  }
  return sql(`UPDATE "job_step" SET ${sets.join(', ')} WHERE "jobId" = ? AND "position" = ?`, [...params, jobId, step.position]);
}

function insertEvents(events: JobEventRecord[]): SqlQuery {
  return sql(
    `INSERT INTO "job_event" ("jobId", "seq", "type", "step", "message", "status", "at") VALUES ${events.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    events.flatMap((e) => [e.jobId, e.seq, e.type, e.step, e.message, e.status, e.at]),
  );
}

function parseJson<T>(value: unknown): T | null {
  return value === null || value === undefined ? null : (JSON.parse(String(value)) as T);
}

function toJobRow(row: Row): JobRow {
  return {
    id: String(row['id']),
    kind: String(row['kind']),
    status: row['status'] as JobStatus,
    serverId: (row['serverId'] as string | null) ?? null,
    deploymentId: (row['deploymentId'] as string | null) ?? null,
    input: parseJson<Record<string, unknown>>(row['input']) ?? {},
    result: parseJson<Record<string, unknown>>(row['result']),
    idempotencyKey: (row['idempotencyKey'] as string | null) ?? null,
    requestedBy: (row['requestedBy'] as string | null) ?? null,
    retryOfJobId: (row['retryOfJobId'] as string | null) ?? null,
    lastEventSeq: Number(row['lastEventSeq']),
    cancelRequested: Boolean(row['cancelRequested']),
    errorCode: (row['errorCode'] as string | null) ?? null,
    errorMessage: (row['errorMessage'] as string | null) ?? null,
    createdAt: readDate(row['createdAt']) as Date,
    updatedAt: readDate(row['updatedAt']) as Date,
    startedAt: readDate(row['startedAt']),
    finishedAt: readDate(row['finishedAt']),
  };
}

function toStepRow(row: Row): StepRow {
  return {
    jobId: String(row['jobId']),
    position: Number(row['position']),
    name: String(row['name']),
    status: row['status'] as StepStatus,
    attempts: Number(row['attempts']),
    startedAt: readDate(row['startedAt']),
    finishedAt: readDate(row['finishedAt']),
    nextAttemptAt: readDate(row['nextAttemptAt']),
    output: parseJson<unknown>(row['output']),
    errorCode: (row['errorCode'] as string | null) ?? null,
    errorMessage: (row['errorMessage'] as string | null) ?? null,
  };
}

export function toEventRecord(row: Row): JobEventRecord {
  return {
    jobId: String(row['jobId']),
    seq: Number(row['seq']),
    type: String(row['type']),
    step: (row['step'] as string | null) ?? null,
    message: String(row['message']),
    status: row['status'] as JobStatus,
    at: readDate(row['at']) as Date,
  };
}
