import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Inject, Injectable } from '@nestjs/common';
import Database, { type Database as SqliteConnection } from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { childEnvironment, type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { ErrorCode, TomoException } from '@tomo/shared';
import { MIGRATIONS } from '../migrations';

const run = promisify(execFile);
const PG_TOOL_TIMEOUT_MS = 30 * 60_000;

export interface BackupResult {
  path: string;
  bytes: number;
}

export interface RestoreResult {
  /** A backup of what the database held before the restore (nothing is lost by restoring). */
  previous: string;
  /** Migrations applied after the restore because the backup came from an older version. */
  migrated: string[];
}

/** The migration names this version knows (a backup naming others comes from a newer Tomo). */
const knownMigrations = (): Set<string> =>
  new Set(MIGRATIONS.map((Migration) => new Migration().name ?? Migration.name));

const invalid = (message: string) => new TomoException(ErrorCode.BadUserInput, message);

/**
 * `db:backup` and `db:restore`. SQLite: SQLite's online backup, a consistent copy even while the
 * API and workers write. Postgres: `pg_dump`/`pg_restore` (custom format; the password goes
 * through PGPASSWORD, never the process list). Backups are written under a temporary name and
 * renamed when complete, mode 0600 (they hold password hashes and encrypted credentials). They
 * do not hold the master key: the key file or TOMO_MASTER_KEY must be kept as well.
 */
@Injectable()
export class DatabaseBackup {
  constructor(
    @Inject(TOMO_CONFIG) private readonly config: CommonConfig,
    private readonly dataSource: DataSource,
  ) {}

  /** Where backups go when no file is named: a new `DATA_DIR/backups/<label>-<UTC time>.<sqlite|dump>`. */
  async defaultPath(label = 'tomo'): Promise<string> {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const extension = this.config.database.type === 'sqlite' ? 'sqlite' : 'dump';
    const dir = join(this.config.dataDir, 'backups');
    // Past the highest counter of this second, not into a gap: a backup made after older ones of
    // the same second were pruned must still sort as the newest (the backup schedule keeps by name).
    const taken = new RegExp(`^${label}-${stamp}(?:-(\\d+))?\\.${extension}$`);
    let last = 0;
    for (const file of await readdir(dir).catch(() => [])) {
      const match = taken.exec(file);
      if (match) last = Math.max(last, Number(match[1] ?? 1));
    }
    return join(dir, `${label}-${stamp}${last > 0 ? `-${last + 1}` : ''}.${extension}`);
  }

  async backup(out?: string): Promise<BackupResult> {
    const path = resolve(out ?? (await this.defaultPath()));
    if (await exists(path)) throw invalid(`${path} already exists: name another file`);
    await mkdir(dirname(path), { recursive: true });
    const partial = `${path}.partial`;
    try {
      if (this.config.database.type === 'sqlite') {
        await this.sqlite().backup(partial);
      } else {
        await this.pgTool('pg_dump', ['--format=custom', '--no-owner', `--file=${partial}`]);
      }
      await chmod(partial, 0o600);
      await rename(partial, path);
    } finally {
      await rm(partial, { force: true });
    }
    return { path, bytes: (await stat(path)).size };
  }

  /**
   * Replaces the database's content with a backup's, after checking the backup and saving what
   * the database holds now; then applies the migrations the backup predates.
   */
  async restore(file: string): Promise<RestoreResult> {
    const path = resolve(file);
    if (!(await exists(path))) throw invalid(`${path} does not exist`);
    if (this.config.database.type === 'sqlite' && path === resolve(this.config.database.path)) {
      throw invalid(`${path} is the database itself: name a backup file`);
    }
    if (this.config.database.type === 'sqlite') await this.checkSqliteBackup(path);
    else
      await this.pgTool('pg_restore', ['--list', path], false).catch(() => {
        throw invalid(`${path} is not a pg_dump archive in custom format (made by db:backup on Postgres)`);
      });
    const previous = (await this.backup(await this.defaultPath('before-restore'))).path;
    if (this.config.database.type === 'sqlite') {
      const source = new Database(path, { readonly: true, fileMustExist: true });
      try {
        // The online backup API in reverse: the live file is rewritten under SQLite's locks,
        // and open connections (ours included) read the restored pages afterwards.
        await source.backup(this.config.database.path);
      } finally {
        source.close();
      }
    } else {
      await this.pgTool('pg_restore', ['--clean', '--if-exists', '--no-owner', '--single-transaction', path]);
      try {
        await this.checkRestoredMigrations();
      } catch (error) {
        await this.pgTool('pg_restore', ['--clean', '--if-exists', '--no-owner', '--single-transaction', previous]);
        throw invalid(`${(error as Error).message}; the database was put back as it was`);
      }
    }
    const migrated = await this.dataSource.runMigrations({ transaction: 'each' });
    return { previous, migrated: migrated.map((migration) => migration.name) };
  }

  private sqlite(): SqliteConnection {
    return (this.dataSource.driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection;
  }

  /** A readable SQLite file, intact, of a Tomo database this version can migrate. */
  private async checkSqliteBackup(path: string): Promise<void> {
    let source: SqliteConnection | null = null;
    try {
      source = new Database(path, { readonly: true, fileMustExist: true });
      const integrity = source.pragma('quick_check', { simple: true });
      if (integrity !== 'ok') throw invalid(`${path} is damaged (SQLite quick_check: ${String(integrity)})`);
      const table = source.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").get();
      if (!table) throw invalid(`${path} is not a Tomo database (it has no migrations table)`);
      const names = source.prepare('SELECT name FROM migrations').all() as { name: string }[];
      this.refuseNewer(
        path,
        names.map((row) => row.name),
      );
    } catch (error) {
      if (error instanceof TomoException) throw error;
      throw invalid(`${path} is not a SQLite database (${(error as Error).message})`);
    } finally {
      source?.close();
    }
  }

  /** Postgres: the archive's migrations are known only once restored; a newer one is put back. */
  private async checkRestoredMigrations(): Promise<void> {
    const rows = (await this.dataSource.query('SELECT name FROM migrations')) as { name: string }[];
    this.refuseNewer(
      'the restored database',
      rows.map((row) => row.name),
    );
  }

  private refuseNewer(what: string, names: string[]): void {
    const known = knownMigrations();
    const unknown = names.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw invalid(`${what} comes from a newer Tomo (migrations this version does not know: ${unknown.join(', ')})`);
    }
  }

  /** Runs pg_dump/pg_restore against DATABASE_URL; the password travels in PGPASSWORD only. */
  private async pgTool(tool: 'pg_dump' | 'pg_restore', args: string[], withDatabase = true): Promise<void> {
    if (this.config.database.type !== 'postgres') throw new Error(`${tool} is for Postgres`);
    const url = new URL(this.config.database.url);
    const password = decodeURIComponent(url.password);
    url.password = '';
    try {
      await run(tool, withDatabase ? [`--dbname=${url.toString()}`, ...args] : args, {
        env: childEnvironment(password ? { PGPASSWORD: password } : {}),
        timeout: PG_TOOL_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const detail = ((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split('\n')[0];
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error(`${tool} is not installed: install PostgreSQL's client tools (Debian: postgresql-client)`);
      }
      throw new Error(`${tool} failed: ${detail}`);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
