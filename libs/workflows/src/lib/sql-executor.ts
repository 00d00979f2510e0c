import type { Database, Statement } from 'better-sqlite3';
import type { DataSource } from 'typeorm';

export type Row = Record<string, unknown>;

export interface SqlQuery {
  /** `?` placeholders, double-quoted identifiers: valid on SQLite and (after numbering) Postgres. */
  sql: string;
  params: unknown[];
}

/**
 * A transaction body: yields queries, receives their rows, returns a result. Written once,
 * it runs synchronously on SQLite (one uninterruptible better-sqlite3 transaction) and
 * asynchronously on Postgres (one pooled connection).
 */
export type TxBody<T> = () => Generator<SqlQuery, T, Row[]>;

export const sql = (text: string, params: unknown[] = []): SqlQuery => ({ sql: text, params });

/**
 * Raw SQL for the engine's hot path. TypeORM repositories cost tens of microseconds per
 * statement and, on SQLite, share one connection between concurrent async transactions;
 * the step loop writes several times per step, so it goes through this instead.
 */
export interface SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `body` in one transaction. `lockKey` serialises bodies that read-then-insert (idempotency). */
  transaction<T>(body: TxBody<T>, lockKey?: string): Promise<T>;
  query(text: string, params?: unknown[]): Promise<Row[]>;
}

export function createSqlExecutor(dataSource: DataSource): SqlExecutor {
  const driver = dataSource.driver as unknown as { databaseConnection?: Database };
  if (dataSource.options.type === 'better-sqlite3' && driver.databaseConnection) {
    return new SqliteExecutor(driver.databaseConnection);
  }
  return new TypeOrmExecutor(dataSource);
}

/** Dates in the format TypeORM writes for `type: Date` columns on SQLite (UTC, ms). */
export function toSqliteDate(date: Date): string {
  const ms = date.getTime();
  if (ms !== lastDate.ms) lastDate = { ms, text: date.toISOString().replace('T', ' ').slice(0, 23) };
  return lastDate.text;
}

/** Hot paths write the same instant many times in a row (one commit's rows and events). */
let lastDate = { ms: Number.NaN, text: '' };

function toSqliteValue(value: unknown): unknown {
  if (value instanceof Date) return toSqliteDate(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value;
}

/** Reads a timestamp column on either driver (SQLite: UTC text; Postgres: Date). */
export function readDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const text = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

function drive<T>(body: TxBody<T>, run: (query: SqlQuery) => Row[]): T {
  const iterator = body();
  let step = iterator.next();
  while (!step.done) step = iterator.next(run(step.value));
  return step.value;
}

interface QueuedBody {
  body: TxBody<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

class SqliteExecutor implements SqlExecutor {
  readonly dialect = 'sqlite';
  private readonly statements = new Map<string, Statement>();
  private readonly runOne: { immediate: (body: TxBody<unknown>) => unknown };
  private readonly runGroup: { immediate: (bodies: TxBody<unknown>[]) => unknown[] };
  private queued: QueuedBody[] = [];
  private flushScheduled = false;

  constructor(private readonly db: Database) {
    this.runOne = db.transaction((body: TxBody<unknown>) => drive(body, (query) => this.exec(query)));
    this.runGroup = db.transaction((bodies: TxBody<unknown>[]) =>
      bodies.map((body) => drive(body, (query) => this.exec(query))),
    );
  }

  /**
   * Group commit: bodies submitted within one turn of the event loop (concurrent runs finishing
   * steps together) run in one SQLite transaction, so they share one BEGIN/COMMIT. Each caller
   * still hears back only after that COMMIT.
   */
  transaction<T>(body: TxBody<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ body, resolve: resolve as (value: unknown) => void, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    // Another async transaction on this shared connection (TypeORM's save()) is open between
    // its awaits: wait for it rather than nest inside it. Ours never yields, so it cannot interleave.
    while (this.db.inTransaction) await new Promise((resolve) => setImmediate(resolve));
    this.flushScheduled = false;
    const batch = this.queued;
    this.queued = [];
    if (batch.length > 1) {
      let results: unknown[] | null = null;
      try {
        // IMMEDIATE takes the write lock up front, so the busy timeout applies instead of a deadlock.
        results = this.runGroup.immediate(batch.map((item) => item.body));
      } catch {
        // Something in the group failed and all of it was rolled back: run each body on its
        // own below, so that only the one at fault fails.
      }
      if (results) {
        batch.forEach((item, i) => item.resolve(results[i]));
        return;
      }
    }
    for (const item of batch) {
      try {
        item.resolve(this.runOne.immediate(item.body));
      } catch (error) {
        item.reject(error);
      }
    }
  }

  async query(text: string, params: unknown[] = []): Promise<Row[]> {
    return this.exec({ sql: text, params });
  }

  private exec(query: SqlQuery): Row[] {
    let statement = this.statements.get(query.sql);
    if (!statement) {
      statement = this.db.prepare(query.sql);
      this.statements.set(query.sql, statement);
    }
    const params = query.params.map(toSqliteValue);
    if (statement.reader) return statement.all(...params) as Row[];
    statement.run(...params);
    return [];
  }
}

class TypeOrmExecutor implements SqlExecutor {
  readonly dialect = 'postgres';

  constructor(private readonly dataSource: DataSource) {}

  async transaction<T>(body: TxBody<T>, lockKey?: string): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      if (lockKey) await runner.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey]);
      const iterator = body();
      let step = iterator.next();
      while (!step.done) {
        const result = await runner.query(numberPlaceholders(step.value.sql), step.value.params, true);
        step = iterator.next((result.records ?? []) as Row[]);
      }
      await runner.commitTransaction();
      return step.value;
    } catch (error) {
      await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  async query(text: string, params: unknown[] = []): Promise<Row[]> {
    const result = await this.dataSource.query(numberPlaceholders(text), params);
    return Array.isArray(result) ? (result as Row[]) : [];
  }
}

function numberPlaceholders(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}
