import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { SecretBox } from '@tomo/secrets';
import { ErrorCode, TomoException, notFound } from '@tomo/shared';
import { type MarketplaceFileError } from './app-definition-parser';
import { BUILT_IN_REPO_NAME } from './built-in-catalog';
import { MarketplaceAppEntity, MarketplaceRepoEntity, type MarketplaceSyncStatus } from './entities';
import { splitUrlCredentials, validateBranch, validateRepoUrl } from './git-client';
import { MARKETPLACE_OPTIONS, type MarketplaceOptions, marketplacePaths } from './marketplace-options';

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

export interface AddRepoInput {
  name: string;
  url: string;
  /** Default `main`. */
  branch?: string | null;
}

const REPO_NAME = /^[a-z][a-z0-9-]{1,39}$/;
const DEFAULT_BRANCH = 'main';

/** The marketplace repositories: adding, enabling, removing them; where they are checked out. */
@Injectable()
export class MarketplaceRepositories {
  private readonly checkoutRoot: string;

  constructor(
    @InjectRepository(MarketplaceRepoEntity)
    private readonly repos: Repository<MarketplaceRepoEntity>,
    private readonly box: SecretBox,
    @Inject(TOMO_CONFIG) config: CommonConfig,
    @Optional() @Inject(MARKETPLACE_OPTIONS) options?: MarketplaceOptions,
  ) {
    this.checkoutRoot = marketplacePaths(config, options).checkoutRoot;
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
    const row = this.newRepo({
      id: randomUUID(),
      name,
      url,
      branch,
      builtIn: false,
    });
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

  async findRepo(id: string): Promise<MarketplaceRepoEntity> {
    const row = await this.repos.findOne({ where: { id } });
    if (!row) throw notFound('Marketplace repository', id);
    return row;
  }

  /** A repository row as it starts: enabled, never synced. */
  newRepo(fields: Pick<MarketplaceRepoEntity, 'id' | 'name' | 'url' | 'branch' | 'builtIn'>): MarketplaceRepoEntity {
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

  checkoutDir(repoId: string): string {
    return join(this.checkoutRoot, repoId);
  }
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
