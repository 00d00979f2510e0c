import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { SecretBox } from '@tomo/secrets';
import { ErrorCode, TomoException } from '@tomo/shared';
import { type MarketplaceFileError } from './app-definition-parser';
import { BUILT_IN_REPO_ID, BUILT_IN_REPO_NAME, BUILT_IN_REPO_URL } from './built-in-catalog';
import { MarketplaceAppEntity, MarketplaceRepoEntity, MarketplaceSyncStatus } from './entities';
import { GitClient } from './git-client';
import { publicAppId } from './marketplace-catalog';
import { MARKETPLACE_OPTIONS, type MarketplaceOptions, marketplacePaths } from './marketplace-options';
import { MarketplaceRepositories } from './marketplace-repositories';
import { type RepoReadResult, readMarketplaceRepo } from './marketplace-repo-reader';

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

/**
 * Bringing the catalog up to date: a git repository (clone or fetch, then read) or the built-in
 * catalog (read from disk), written in one transaction. The one part that touches git and the
 * disk; meant to run as a workflow step (it takes the job's AbortSignal and log).
 */
@Injectable()
export class MarketplaceSync {
  private readonly logger = new Logger('MarketplaceService');
  /** Syncs of one repository in this process run one after the other. */
  private readonly syncing = new Map<string, Promise<unknown>>();
  private readonly catalogDir: string;

  constructor(
    @InjectRepository(MarketplaceRepoEntity)
    private readonly repos: Repository<MarketplaceRepoEntity>,
    private readonly repositories: MarketplaceRepositories,
    private readonly git: GitClient,
    private readonly box: SecretBox,
    @Inject(TOMO_CONFIG) config: CommonConfig,
    @Optional() @Inject(MARKETPLACE_OPTIONS) options?: MarketplaceOptions,
  ) {
    this.catalogDir = marketplacePaths(config, options).catalogDir;
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
      const repo = await this.repositories.findRepo(id);
      if (repo.builtIn) return this.syncBuiltIn(repo, options);
      const log = options.log ?? (() => undefined);
      const dir = this.repositories.checkoutDir(repo.id);
      let commit: string;
      let read: RepoReadResult;
      try {
        throwIfAborted(options.signal);
        const credentials = repo.credentialsCiphertext ? this.box.decrypt(repo.credentialsCiphertext) : null;
        ({ commit } = await this.git.checkout(repo.url, repo.branch, dir, {
          signal: options.signal,
          log,
          credentials,
        }));
        throwIfAborted(options.signal);
        read = await readMarketplaceRepo(dir);
        throwIfAborted(options.signal);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await this.repos.update(
          { id },
          {
            lastSyncedAt: new Date(),
            lastSyncStatus: MarketplaceSyncStatus.Failed,
            lastSyncError: message,
          },
        );
        throw error;
      }
      log(
        `Read ${read.apps.length} valid app(s) and ${read.errors.length} error(s) from ${read.source === 'manifest' ? 'manifest.json' : 'apps/*/*/app.yaml'}`,
      );
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
        repo = this.repositories.newRepo({
          id: BUILT_IN_REPO_ID,
          name: BUILT_IN_REPO_NAME,
          url: BUILT_IN_REPO_URL,
          branch: '',
          builtIn: true,
        });
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
  private async apply(
    repo: MarketplaceRepoEntity,
    read: RepoReadResult,
    commit: string | null,
  ): Promise<MarketplaceSyncResult> {
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
      const existing = await manager.find(MarketplaceAppEntity, {
        where: { repoId: repo.id },
      });
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
          await manager.insert(MarketplaceAppEntity, {
            id,
            repoId: repo.id,
            appId: app.id,
            createdAt: now,
            ...fields,
          });
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
