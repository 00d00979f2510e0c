import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, Repository } from 'typeorm';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { EncryptedColumnRegistry, SecretBox } from '@tomo/secrets';
import { ErrorCode, TomoException, notFound } from '@tomo/shared';
import { APP_CATEGORIES, type AppCategory, type AppDefinition } from './app-definition';
import { type MarketplaceFileError } from './app-definition-parser';
import { BUILT_IN_CATALOG_DIR, BUILT_IN_REPO_ID, BUILT_IN_REPO_NAME, BUILT_IN_REPO_URL } from './built-in-catalog';
import { MarketplaceAppEntity, MarketplaceRepoEntity, MarketplaceSyncStatus } from './entities';
import { GitClient, splitUrlCredentials, validateBranch, validateRepoUrl } from './git-client';
import { type RepoReadResult, readMarketplaceRepo } from './marketplace-repo-reader';

/** Optional settings of MarketplaceModule (tests and special installs). */
export interface MarketplaceOptions {
  /** Where the built-in catalog is read from; default: the one shipped with Tomo. */
  catalogDir?: string;
  /** Where repositories are checked out; default: `<DATA_DIR>/marketplace`. */
  checkoutRoot?: string;
}
export const MARKETPLACE_OPTIONS = Symbol('MARKETPLACE_OPTIONS');

/** An app of the catalog, as the API shows it. */
export interface MarketplaceApp {
  /** `<repository name>/<app id>`, e.g. `builtin/uptime-kuma`: what `app(id)` and `installApp({appId})` take. */
  id: string;
  repoId: string;
  /** The app's id inside its repository. */
  appId: string;
  name: string;
  description: string;
  category: AppCategory;
  tags: string[];
  version: string;
  /** No longer in its repository (kept for the deployments of it; not listed). */
  removed: boolean;
  definition: AppDefinition;
  sourcePath: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface MarketplaceRepo {
  id: string;
  name: string;
  url: string;
  branch: string;
  enabled: boolean;
  builtIn: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastSyncedAt: Date | null;
  lastSyncStatus: MarketplaceSyncStatus | null;
  lastSyncError: string | null;
  lastCommit: string | null;
  appCount: number;
  errors: MarketplaceFileError[];
}

export interface MarketplaceCategory {
  name: AppCategory;
  appCount: number;
}

export interface AppFilter {
  /** Words that must all occur in the name, description, id, category or tags (any case). */
  search?: string | null;
  category?: string | null;
  tag?: string | null;
}

export interface AddRepoInput {
  name: string;
  url: string;
  /** Default `main`. */
  branch?: string | null;
}

export interface SyncOptions {
  signal?: AbortSignal;
  /** Lines for the job timeline. */
  log?: (line: string) => void;
}

/** What a sync changed; app ids are public ids (`<repo>/<app>`). */
export interface MarketplaceSyncResult {
  repoId: string;
  status: MarketplaceSyncStatus;
  commit: string | null;
  added: string[];
  updated: string[];
  removed: string[];
  /** Apps whose file is invalid now: their previous version stays in the catalog until it is fixed. */
  keptInvalid: string[];
  unchanged: number;
  errors: MarketplaceFileError[];
}

const REPO_NAME = /^[a-z][a-z0-9-]{1,39}$/;
const DEFAULT_BRANCH = 'main';

/**
 * The app catalog: the built-in apps and those of the git repositories users add. Reads go
 * to the database only; `syncRepo` is the one method that touches git and the disk, and is
 * meant to run as a workflow step (it takes the job's AbortSignal and log).
 */
@Injectable()
export class MarketplaceService implements OnModuleInit {
  private readonly logger = new Logger(MarketplaceService.name);
  /** Syncs of one repository in this process run one after the other. */
  private readonly syncing = new Map<string, Promise<unknown>>();
  private readonly catalogDir: string;
  private readonly checkoutRoot: string;

  constructor(
    @InjectRepository(MarketplaceRepoEntity) private readonly repos: Repository<MarketplaceRepoEntity>,
    @InjectRepository(MarketplaceAppEntity) private readonly apps: Repository<MarketplaceAppEntity>,
    private readonly git: GitClient,
    private readonly box: SecretBox,
    private readonly encryptedColumns: EncryptedColumnRegistry,
    @Inject(TOMO_CONFIG) config: CommonConfig,
    @Optional() @Inject(MARKETPLACE_OPTIONS) options?: MarketplaceOptions,
  ) {
    this.catalogDir = options?.catalogDir ?? BUILT_IN_CATALOG_DIR;
    this.checkoutRoot = options?.checkoutRoot ?? join(config.dataDir, 'marketplace');
  }

  onModuleInit(): void {
    // Re-encrypted by `secrets:rotate` with the other secrets.
    this.encryptedColumns.register({ table: 'marketplace_repo', primaryKey: 'id', columns: ['credentialsCiphertext'] });
  }

  /** Apps of enabled repositories that are still in their repository, by name. */
  async listApps(filter: AppFilter = {}): Promise<MarketplaceApp[]> {
    const category = filter.category?.trim() || null;
    if (category !== null && !isCategory(category)) {
      throw new TomoException(ErrorCode.BadUserInput, `Category ${category} does not exist; categories are ${APP_CATEGORIES.join(', ')}`);
    }
    const rows = await this.apps.find({
      where: { removed: false, repo: { enabled: true }, ...(category ? { category } : {}) },
      relations: { repo: true },
    });
    const words = (filter.search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const tag = filter.tag?.trim().toLowerCase() || null;
    return rows
      .filter((row) => tag === null || row.tags.includes(tag))
      .filter((row) => {
        if (words.length === 0) return true;
        const text = [row.name, row.description, row.appId, row.category, ...row.tags].join(' ').toLowerCase();
        return words.every((word) => text.includes(word));
      })
      .sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.id.localeCompare(b.id))
      .map(toApp);
  }

  /**
   * One app by public id, also when it was removed from its repository or its repository is
   * disabled (deployments of it still need its definition).
   */
  async getApp(id: string): Promise<MarketplaceApp> {
    const row = await this.apps.findOne({ where: { id } });
    if (!row) throw notFound('App', id);
    return toApp(row);
  }

  /** Categories that have apps in the catalog, with how many. */
  async categories(): Promise<MarketplaceCategory[]> {
    const counts = new Map<AppCategory, number>();
    for (const app of await this.listApps()) counts.set(app.category, (counts.get(app.category) ?? 0) + 1);
    return APP_CATEGORIES.filter((name) => counts.has(name)).map((name) => ({ name, appCount: counts.get(name) ?? 0 }));
  }

  /** The built-in catalog first, then by name. */
  async listRepos(): Promise<MarketplaceRepo[]> {
    const rows = await this.repos.find({ order: { name: 'ASC' } });
    return rows.sort((a, b) => Number(b.builtIn) - Number(a.builtIn)).map(toRepo);
  }

  async getRepo(id: string): Promise<MarketplaceRepo> {
    return toRepo(await this.findRepo(id));
  }

  /** Registers a git repository (not synced yet: `syncRepo` does that, as a job). */
  async addRepo(input: AddRepoInput): Promise<MarketplaceRepo> {
    const name = input.name.trim();
    if (!REPO_NAME.test(name)) {
      throw new TomoException(
        ErrorCode.BadUserInput,
        `Repository name ${JSON.stringify(name)} must be 2-40 lowercase letters, digits or "-", starting with a letter (it prefixes the app ids: <name>/<app>)`,
      );
    }
    if (name === BUILT_IN_REPO_NAME) {
      throw new TomoException(ErrorCode.Conflict, `Repository name ${name} is reserved for the built-in catalog`);
    }
    // A token in the URL is stored apart, encrypted: the URL is shown to every VIEWER.
    const { url, credentials } = splitUrlCredentials(validateRepoUrl(input.url));
    const branch = validateBranch(input.branch?.trim() || DEFAULT_BRANCH);
    const row = this.newRepo({ id: randomUUID(), name, url, branch, builtIn: false });
    row.credentialsCiphertext = credentials === null ? null : this.box.encrypt(credentials);
    // Checked first for a clear message; the unique indexes decide when two requests race.
    await this.assertUnique(name, url, branch);
    try {
      await this.repos.insert(row);
    } catch (error) {
      await this.assertUnique(name, url, branch);
      throw error;
    }
    return toRepo(row);
  }

  /** A disabled repository's apps leave the catalog; they come back, unchanged, when it is enabled. */
  async setRepoEnabled(id: string, enabled: boolean): Promise<MarketplaceRepo> {
    const row = await this.findRepo(id);
    if (row.enabled !== enabled) {
      row.enabled = enabled;
      row.updatedAt = new Date();
      await this.repos.update({ id }, { enabled, updatedAt: row.updatedAt });
    }
    return toRepo(row);
  }

  /** Deletes a user-added repository, its apps and its checkout. The built-in catalog stays (CONFLICT); disable it instead. */
  async removeRepo(id: string): Promise<MarketplaceRepo> {
    const row = await this.findRepo(id);
    if (row.builtIn) {
      throw new TomoException(ErrorCode.Conflict, 'The built-in catalog cannot be removed; disable it instead');
    }
    await this.repos.manager.transaction(async (manager) => {
      await manager.delete(MarketplaceAppEntity, { repoId: id });
      await manager.delete(MarketplaceRepoEntity, { id });
    });
    await rm(this.checkoutDir(id), { recursive: true, force: true });
    return toRepo(row);
  }

  /**
   * Brings a repository's apps up to date: clone or fetch (git), read and validate every
   * app, then in one transaction add new apps, update changed ones, and mark the apps that
   * left the repository as removed. An invalid file is reported and skipped; if it held an
   * app before, that app keeps its previous version. A git failure (or cancellation) leaves
   * the apps as they were, records the error on the repository and is thrown.
   * The built-in catalog is re-read from disk instead.
   */
  async syncRepo(id: string, options: SyncOptions = {}): Promise<MarketplaceSyncResult> {
    return this.serialized(id, async () => {
      const repo = await this.findRepo(id);
      if (repo.builtIn) return this.syncBuiltIn(repo, options);
      const log = options.log ?? (() => undefined);
      const dir = this.checkoutDir(repo.id);
      let commit: string;
      let read: RepoReadResult;
      try {
        throwIfAborted(options.signal);
        const credentials = repo.credentialsCiphertext ? this.box.decrypt(repo.credentialsCiphertext) : null;
        ({ commit } = await this.git.checkout(repo.url, repo.branch, dir, { signal: options.signal, log, credentials }));
        throwIfAborted(options.signal);
        read = await readMarketplaceRepo(dir);
        throwIfAborted(options.signal);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await this.repos.update(
          { id },
          { lastSyncedAt: new Date(), lastSyncStatus: MarketplaceSyncStatus.Failed, lastSyncError: message },
        );
        throw error;
      }
      log(`Read ${read.apps.length} valid app(s) and ${read.errors.length} error(s) from ${read.source === 'manifest' ? 'manifest.json' : 'apps/*/*/app.yaml'}`);
      const result = await this.apply(repo, read, commit);
      logResult(result, log);
      return result;
    });
  }

  /**
   * Creates or refreshes the built-in catalog repository from the files shipped with Tomo.
   * Idempotent; call it at start-up after the migrations. A new install has it enabled; a
   * catalog the admin disabled stays disabled.
   */
  async loadBuiltInCatalog(options: SyncOptions = {}): Promise<MarketplaceSyncResult> {
    return this.serialized(BUILT_IN_REPO_ID, async () => {
      let repo = await this.repos.findOne({ where: { id: BUILT_IN_REPO_ID } });
      if (!repo) {
        repo = this.newRepo({ id: BUILT_IN_REPO_ID, name: BUILT_IN_REPO_NAME, url: BUILT_IN_REPO_URL, branch: '', builtIn: true });
        try {
          await this.repos.insert(repo);
        } catch (error) {
          // Another process (API beside a worker) created it first.
          repo = await this.repos.findOne({ where: { id: BUILT_IN_REPO_ID } });
          if (!repo) throw error;
        }
      }
      try {
        return await this.syncBuiltIn(repo, options);
      } catch (error) {
        // The API and workers may load the catalog at the same moment: the inserts of the
        // slower one collide with the faster one's, and a second pass finds them in place.
        this.logger.warn(`Loading the built-in catalog failed once, trying again: ${String(error)}`);
        return this.syncBuiltIn(repo, options);
      }
    });
  }

  private async syncBuiltIn(repo: MarketplaceRepoEntity, options: SyncOptions): Promise<MarketplaceSyncResult> {
    const read = await readMarketplaceRepo(this.catalogDir);
    for (const error of read.errors) this.logger.error(`Built-in catalog: ${error.message}`);
    const result = await this.apply(repo, read, null);
    logResult(result, options.log ?? (() => undefined));
    return result;
  }

  /** Writes what a sync read, in one transaction. */
  private async apply(repo: MarketplaceRepoEntity, read: RepoReadResult, commit: string | null): Promise<MarketplaceSyncResult> {
    const now = new Date();
    const result: MarketplaceSyncResult = {
      repoId: repo.id,
      status: read.errors.length > 0 ? MarketplaceSyncStatus.Partial : MarketplaceSyncStatus.Succeeded,
      commit,
      added: [],
      updated: [],
      removed: [],
      keptInvalid: [],
      unchanged: 0,
      errors: read.errors,
    };
    await this.repos.manager.transaction(async (manager: EntityManager) => {
      const existing = await manager.find(MarketplaceAppEntity, { where: { repoId: repo.id } });
      const byAppId = new Map(existing.map((row) => [row.appId, row]));
      const seen = new Set<string>();
      for (const { app, file } of read.apps) {
        seen.add(app.id);
        const id = publicAppId(repo.name, app.id);
        const row = byAppId.get(app.id);
        const fields = {
          name: app.name,
          description: app.description,
          category: app.category,
          tags: app.tags,
          version: app.version,
          definition: app,
          sourcePath: file,
          removed: false,
          removedAt: null,
          updatedAt: now,
        };
        if (!row) {
          await manager.insert(MarketplaceAppEntity, { id, repoId: repo.id, appId: app.id, createdAt: now, ...fields });
          result.added.push(id);
        } else if (row.removed || row.sourcePath !== file || !isDeepStrictEqual(row.definition, app)) {
          await manager.update(MarketplaceAppEntity, { id: row.id }, fields);
          result.updated.push(id);
        } else {
          result.unchanged++;
        }
      }
      const invalidFiles = new Set(read.errors.map((error) => error.file));
      for (const row of existing) {
        if (seen.has(row.appId) || row.removed) continue;
        if (invalidFiles.has(row.sourcePath)) {
          result.keptInvalid.push(row.id);
          continue;
        }
        await manager.update(MarketplaceAppEntity, { id: row.id }, { removed: true, removedAt: now, updatedAt: now });
        result.removed.push(row.id);
      }
      await manager.update(
        MarketplaceRepoEntity,
        { id: repo.id },
        {
          lastSyncedAt: now,
          lastSyncStatus: result.status,
          lastSyncError: null,
          lastCommit: commit,
          appCount: seen.size + result.keptInvalid.length,
          errors: read.errors,
          updatedAt: now,
        },
      );
    });
    return result;
  }

  private async findRepo(id: string): Promise<MarketplaceRepoEntity> {
    const row = await this.repos.findOne({ where: { id } });
    if (!row) throw notFound('Marketplace repository', id);
    return row;
  }

  /**
   * Moves a token that an older version stored inside a repository URL into the encrypted column.
   * The API runs it once its migrations are applied (main.ts); idempotent.
   */
  async secureStoredCredentials(): Promise<number> {
    const rows = await this.repos.find({ where: { builtIn: false } });
    let moved = 0;
    for (const row of rows) {
      const { url, credentials } = splitUrlCredentials(row.url);
      if (credentials === null) continue;
      await this.repos.update({ id: row.id }, { url, credentialsCiphertext: this.box.encrypt(credentials) });
      moved += 1;
    }
    return moved;
  }

  /** A repository row as it starts: enabled, never synced. */
  private newRepo(fields: Pick<MarketplaceRepoEntity, 'id' | 'name' | 'url' | 'branch' | 'builtIn'>): MarketplaceRepoEntity {
    const now = new Date();
    return this.repos.create({
      ...fields,
      credentialsCiphertext: null,
      enabled: true,
      createdAt: now,
      updatedAt: now,
      lastSyncedAt: null,
      lastSyncStatus: null,
      lastSyncError: null,
      lastCommit: null,
      appCount: 0,
      errors: [],
    });
  }

  private async assertUnique(name: string, url: string, branch: string): Promise<void> {
    if (await this.repos.exists({ where: { name } })) {
      throw new TomoException(ErrorCode.Conflict, `A marketplace repository named ${name} already exists`);
    }
    if (await this.repos.exists({ where: { url, branch } })) {
      throw new TomoException(ErrorCode.Conflict, `Branch ${branch} of ${url} is already a marketplace repository`);
    }
  }

  private checkoutDir(repoId: string): string {
    return join(this.checkoutRoot, repoId);
  }

  private async serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.syncing.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.syncing.set(key, next);
    try {
      return await next;
    } finally {
      if (this.syncing.get(key) === next) this.syncing.delete(key);
    }
  }
}

/** The public id of an app: `<repository name>/<app id>`. */
export function publicAppId(repoName: string, appId: string): string {
  return `${repoName}/${appId}`;
}

function isCategory(value: string): value is AppCategory {
  return (APP_CATEGORIES as readonly string[]).includes(value);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TomoException(ErrorCode.Cancelled, 'Sync was cancelled');
}

function logResult(result: MarketplaceSyncResult, log: (line: string) => void): void {
  for (const error of result.errors) log(error.message);
  log(
    `Added ${result.added.length}, updated ${result.updated.length}, removed ${result.removed.length}, unchanged ${result.unchanged}` +
      (result.keptInvalid.length > 0 ? `, kept the previous version of ${result.keptInvalid.join(', ')}` : ''),
  );
}

function toApp(row: MarketplaceAppEntity): MarketplaceApp {
  return {
    id: row.id,
    repoId: row.repoId,
    appId: row.appId,
    name: row.name,
    description: row.description,
    category: row.category,
    tags: row.tags,
    version: row.version,
    removed: row.removed,
    definition: row.definition,
    sourcePath: row.sourcePath,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toRepo(row: MarketplaceRepoEntity): MarketplaceRepo {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    branch: row.branch,
    enabled: row.enabled,
    builtIn: row.builtIn,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastSyncedAt: row.lastSyncedAt,
    lastSyncStatus: row.lastSyncStatus,
    lastSyncError: row.lastSyncError,
    lastCommit: row.lastCommit,
    appCount: row.appCount,
    errors: row.errors,
  };
}
