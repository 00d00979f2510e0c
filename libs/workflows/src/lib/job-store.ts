// Longer than the house limit on purpose: every hand-written SQL statement of the engine, for SQLite
// and Postgres alike, in one place, so that a query and the indexes it relies on are read together.
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
  /**
   * A run's fencing: apply only while the job's `runToken` is the run's own `token` or the
   * `previous` one it saw when it loaded the job, and set it to `token`. A run whose job another
   * worker took over (and wrote) finds a newer token there: commit returns null.
   */
  fence?: RunFence;
}

export interface RunFence {
  token: string;
  previous: string | null;
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
  requestFingerprint: string | null;
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
/** SQL condition "unfinished"; its parameters are NOT_FINISHED_STATUSES. */
const IS_UNFINISHED = `"status" IN (${NOT_FINISHED_STATUSES.map(() => '?').join(', ')})`;

/** Largest multi-row INSERT (SQLite allows 32766 bound values; events take 7 each). */
const EVENT_INSERT_CHUNK = 500;

/**
 * The job tables, written with raw SQL: each call is one transaction. Seqs are allocated by
 * incrementing job.lastEventSeq in the same statement that patches the job row, so the API
 * and any number of workers can append to one job's timeline without gaps or duplicates.
 */
export class JobStore {
  constructor(readonly executor: SqlExecutor) {}

  /**
   * Inserts a job with its steps and its first event, unless the same caller used the
   * idempotency key since `idempotentSince`: then `existing` is that job's id and fingerprint.
   */
  async createJob(
    job: NewJob,
    event: NewEvent,
    idempotentSince: Date | null,
  ): Promise<{ jobId: string; created: boolean; existingFingerprint: string | null; events: JobEventRecord[] }> {
    type Created = { jobId: string; created: boolean; existingFingerprint: string | null; events: JobEventRecord[] };
    const body = function* (): Generator<SqlQuery, Created, Row[]> {
      if (job.idempotencyKey && idempotentSince) {
        // A key belongs to its caller: another caller's same key is another request.
        const [existing] = yield sql(
          'SELECT "id", "requestFingerprint" FROM "job" WHERE "idempotencyKey" = ? AND COALESCE("requestedBy", \'\') = ? AND "createdAt" >= ? ORDER BY "createdAt" DESC LIMIT 1',
          [job.idempotencyKey, job.requestedBy ?? '', idempotentSince],
        );
        if (existing) {
          const existingFingerprint = (existing['requestFingerprint'] as string | null) ?? null;
          return { jobId: String(existing['id']), created: false, existingFingerprint, events: [] as JobEventRecord[] };
        }
      }
      yield sql(
        'INSERT INTO "job" ("id", "kind", "status", "serverId", "deploymentId", "input", "result", "idempotencyKey", "requestFingerprint", "requestedBy", "retryOfJobId", "lastEventSeq", "cancelRequested", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, 1, ?, ?, ?)',
        [
          job.id,
          job.kind,
          JobStatus.Queued,
          job.serverId,
          job.deploymentId,
          JSON.stringify(job.input),
          job.idempotencyKey,
          job.requestFingerprint,
          job.requestedBy,
          job.retryOfJobId,
          false,
          job.createdAt,
          job.createdAt,
        ],
      );
      if (job.stepNames.length > 0) yield insertSteps(job.id, job.stepNames, 0);
      const record: JobEventRecord = {
        jobId: job.id,
        seq: 1,
        type: event.type,
        step: event.step,
        message: event.message,
        status: JobStatus.Queued,
        at: job.createdAt,
      };
      yield insertEvents([record]);
      return { jobId: job.id, created: true, existingFingerprint: null, events: [record] };
    };
    return this.executor.transaction(body, job.idempotencyKey ? `idempotency:${job.idempotencyKey}` : undefined);
  }

  /** Applies a change atomically; null when `onlyIfStatusIn` did not match (or the job is gone). */
  commit(change: JobChange): Promise<CommitResult | null> {
    return this.executor.transaction(function* () {
      const at = new Date();
      const [updated] = yield updateJob(change, at);
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
      // The same rows as `createdAt < ? OR (createdAt = ? AND id < ?)`, but with a range on
      // createdAt the planner can seek in the (createdAt, id) index instead of scanning it.
      where.push('"createdAt" <= ? AND ("createdAt" < ? OR "id" < ?)');
      params.push(after.createdAt, after.createdAt, after.id);
    }
    const rows = await this.executor.query(
      `SELECT * FROM "job" ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY "createdAt" DESC, "id" DESC LIMIT ?`,
      [...params, limit],
    );
    return rows.map(toJobRow);
  }

  /**
   * A run's job and steps, read in one transaction body: on SQLite it joins the group commit
   * of the runs finishing steps at that moment instead of taking a read lock of its own.
   */
  loadRun(jobId: string): Promise<{ job: JobRow; steps: StepRow[] } | null> {
    return this.executor.transaction(function* () {
      const [job] = yield sql('SELECT * FROM "job" WHERE "id" = ?', [jobId]);
      if (!job) return null;
      const steps = yield sql('SELECT * FROM "job_step" WHERE "jobId" = ? ORDER BY "position"', [jobId]);
      return { job: toJobRow(job), steps: steps.map(toStepRow) };
    });
  }

  /** How many jobs are in each unfinished status, and in each finished status since `finishedSince`. */
  async countByStatus(finishedSince: Date): Promise<Partial<Record<JobStatus, number>>> {
    // MATERIALIZED: without statistics SQLite would otherwise group by walking the status index
    // over every job (avoiding a sort) rather than seek the few recent ones by finishedAt.
    const rows = await this.executor.query(
      `WITH "recent" AS MATERIALIZED (SELECT "status" FROM "job" WHERE "finishedAt" >= ?)
       SELECT "status", COUNT(*) AS "n" FROM "job" WHERE ${IS_UNFINISHED} GROUP BY "status"
       UNION ALL
       SELECT "status", COUNT(*) AS "n" FROM "recent" GROUP BY "status"`,
      [finishedSince, ...NOT_FINISHED_STATUSES],
    );
    return Object.fromEntries(rows.map((row) => [String(row['status']), Number(row['n'])]));
  }

  /** Unfinished jobs, newest first. */
  async listUnfinished(limit: number): Promise<JobRow[]> {
    const rows = await this.executor.query(
      `SELECT * FROM "job" WHERE ${IS_UNFINISHED} ORDER BY "createdAt" DESC, "id" DESC LIMIT ?`,
      [...NOT_FINISHED_STATUSES, limit],
    );
    return rows.map(toJobRow);
  }

  /** Unfinished jobs whose row has not changed since `idleBefore`, oldest first. */
  async idleUnfinishedJobs(idleBefore: Date, limit: number): Promise<{ id: string; kind: string }[]> {
    const rows = await this.executor.query(
      `SELECT "id", "kind" FROM "job" WHERE ${IS_UNFINISHED} AND "updatedAt" < ? ORDER BY "updatedAt" LIMIT ?`,
      [...NOT_FINISHED_STATUSES, idleBefore, limit],
    );
    return rows.map((row) => ({ id: String(row['id']), kind: String(row['kind']) }));
  }

  /** The oldest unfinished job of a kind on a deployment, if any. */
  async unfinishedJobOf(kind: string, deploymentId: string): Promise<JobRow | null> {
    const [row] = await this.executor.query(
      `SELECT * FROM "job" WHERE "deploymentId" = ? AND "kind" = ? AND ${IS_UNFINISHED} ORDER BY "createdAt" LIMIT 1`,
      [deploymentId, kind, ...NOT_FINISHED_STATUSES],
    );
    return row ? toJobRow(row) : null;
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
    const [row] = await this.executor.query('SELECT * FROM "job_event" WHERE "jobId" = ? ORDER BY "seq" DESC LIMIT 1', [
      jobId,
    ]);
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
  const merged: StepPatch[] = [];
  for (const step of steps) {
    const same = merged.findIndex((m) => m.position === step.position);
    if (same < 0) merged.push(step);
    else merged[same] = Object.assign({}, merged[same], step);
  }
  return merged;
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/**
 * The SET clause of each patchable column (the Record makes a new JobPatch/StepPatch field a
 * compile error until it is listed here). A patch's shape, the set of columns it changes, picks
 * a SQL text built once per shape: the hot path neither rebuilds the text nor rehashes it in
 * the executor's statement cache.
 */
const JOB_SETS: Record<keyof JobPatch, string> = {
  status: '"status" = ?',
  startedAt: '"startedAt" = COALESCE("startedAt", ?)',
  finishedAt: '"finishedAt" = ?',
  errorCode: '"errorCode" = ?',
  errorMessage: '"errorMessage" = ?',
  result: '"result" = ?',
  cancelRequested: '"cancelRequested" = ?',
};
const STEP_SETS: Record<Exclude<keyof StepPatch, 'position'>, string> = {
  status: '"status" = ?',
  attempts: '"attempts" = ?',
  startedAt: '"startedAt" = ?',
  finishedAt: '"finishedAt" = ?',
  nextAttemptAt: '"nextAttemptAt" = ?',
  output: '"output" = ?',
  errorCode: '"errorCode" = ?',
  errorMessage: '"errorMessage" = ?',
};
const JOB_COLUMNS = Object.keys(JOB_SETS) as (keyof JobPatch)[];
const STEP_COLUMNS = Object.keys(STEP_SETS) as (keyof typeof STEP_SETS)[];
const JSON_COLUMNS = new Set<string>(['result', 'output']);
const sqlByShape = new Map<string, string>();

function shapedSql(kind: string, shape: number, build: () => string): string {
  const key = `${kind}${shape}`;
  let text = sqlByShape.get(key);
  if (text === undefined) {
    text = build();
    sqlByShape.set(key, text);
  }
  return text;
}

/** The columns of `patch` that are set (not undefined), as a bit mask over `columns`, and their values. */
function patchShape<K extends string>(
  patch: Partial<Record<K, unknown>>,
  columns: readonly K[],
  params: unknown[],
): number {
  let shape = 0;
  for (let i = 0; i < columns.length; i++) {
    const value = patch[columns[i]];
    if (value === undefined) continue;
    shape |= 1 << i;
    params.push(JSON_COLUMNS.has(columns[i]) ? json(value) : value);
  }
  return shape;
}

const setsOf = <K extends string>(shape: number, columns: readonly K[], sets: Record<K, string>): string[] =>
  columns.filter((_, i) => shape & (1 << i)).map((column) => sets[column]);

/** Patches the job row and allocates seqs for the change's events (`lastEventSeq` moves by their count). */
function updateJob(change: JobChange, at: Date): SqlQuery {
  const params: unknown[] = [change.events.length, at];
  const shape = patchShape(change.job ?? {}, JOB_COLUMNS, params);
  const fence = change.fence;
  if (fence) params.push(fence.token);
  params.push(change.jobId);
  const only = change.onlyIfStatusIn ?? [];
  params.push(...only);
  if (fence) params.push(fence.token, fence.previous ?? '');
  // The fence rides on the UPDATE the commit makes anyway: no extra statement or round trip.
  const text = shapedSql(`job${only.length}${fence ? 'f' : ''}:`, shape, () => {
    const sets = ['"lastEventSeq" = "lastEventSeq" + ?', '"updatedAt" = ?', ...setsOf(shape, JOB_COLUMNS, JOB_SETS)];
    if (fence) sets.push('"runToken" = ?');
    // OR, not IN: SQLite builds a transient table for an IN list on every run of the statement.
    let where = only.length > 0 ? ` AND (${only.map(() => '"status" = ?').join(' OR ')})` : '';
    if (fence) where += ` AND ("runToken" = ? OR COALESCE("runToken", '') = ?)`;
    return `UPDATE "job" SET ${sets.join(', ')} WHERE "id" = ?${where} RETURNING "lastEventSeq", "status", "cancelRequested"`;
  });
  return sql(text, params);
}

function insertSteps(jobId: string, names: readonly string[], from: number): SqlQuery {
  return sql(
    `INSERT INTO "job_step" ("jobId", "position", "name", "status", "attempts") VALUES ${names.map(() => '(?, ?, ?, ?, 0)').join(', ')}`,
    names.flatMap((name, i) => [jobId, from + i, name, StepStatus.Pending]),
  );
}

function updateStep(jobId: string, step: StepPatch): SqlQuery {
  const params: unknown[] = [];
  const shape = patchShape(step, STEP_COLUMNS, params);
  params.push(jobId, step.position);
  const text = shapedSql(
    'step:',
    shape,
    () =>
      `UPDATE "job_step" SET ${setsOf(shape, STEP_COLUMNS, STEP_SETS).join(', ')} WHERE "jobId" = ? AND "position" = ?`,
  );
  return sql(text, params);
}

function insertEvents(events: JobEventRecord[]): SqlQuery {
  const text = shapedSql(
    'events:',
    events.length,
    () =>
      `INSERT INTO "job_event" ("jobId", "seq", "type", "step", "message", "status", "at") VALUES ${events.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
  );
  const params: unknown[] = [];
  for (const e of events) params.push(e.jobId, e.seq, e.type, e.step, e.message, e.status, e.at);
  return sql(text, params);
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
    requestFingerprint: (row['requestFingerprint'] as string | null) ?? null,
    runToken: (row['runToken'] as string | null) ?? null,
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
