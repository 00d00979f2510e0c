import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EncryptedColumnRegistry } from '@tomo/secrets';
import {
  type AppFilter,
  type MarketplaceApp,
  MarketplaceCatalog,
  type MarketplaceCategory,
} from './marketplace-catalog';
import { type AddRepoInput, type MarketplaceRepo, MarketplaceRepositories } from './marketplace-repositories';
import { type MarketplaceSyncResult, MarketplaceSync, type SyncOptions } from './marketplace-sync';

export { MARKETPLACE_OPTIONS, type MarketplaceOptions } from './marketplace-options';
export { type AppFilter, type MarketplaceApp, type MarketplaceCategory, publicAppId } from './marketplace-catalog';
export type { AddRepoInput, MarketplaceRepo } from './marketplace-repositories';
export type { MarketplaceSyncResult, SyncOptions } from './marketplace-sync';

/**
 * The app catalog: the built-in apps and those of the git repositories users add. The one
 * entry point of the other libs and the doors, over three parts: reading the catalog
 * (marketplace-catalog.ts, database only), the repositories (marketplace-repositories.ts) and
 * syncing them (marketplace-sync.ts: the one part that touches git and the disk, meant to run as
 * a workflow step).
 */
@Injectable()
export class MarketplaceService implements OnModuleInit {
  constructor(
    private readonly catalog: MarketplaceCatalog,
    private readonly repositories: MarketplaceRepositories,
    private readonly sync: MarketplaceSync,
    private readonly encryptedColumns: EncryptedColumnRegistry,
  ) {}

  onModuleInit(): void {
    // Re-encrypted by `secrets:rotate` with the other secrets.
    this.encryptedColumns.register({
      table: 'marketplace_repo',
      primaryKey: 'id',
      columns: ['credentialsCiphertext'],
    });
  }

  /** Apps of enabled repositories that are still in their repository, by name. */
  listApps(filter: AppFilter = {}): Promise<MarketplaceApp[]> {
    return this.catalog.listApps(filter);
  }

  /** One app by public id, also when removed from its repository or its repository is disabled. */
  getApp(id: string): Promise<MarketplaceApp> {
    return this.catalog.getApp(id);
  }

  /** Categories that have apps in the catalog, with how many. */
  categories(): Promise<MarketplaceCategory[]> {
    return this.catalog.categories();
  }

  /** The built-in catalog first, then by name. */
  listRepos(): Promise<MarketplaceRepo[]> {
    return this.repositories.listRepos();
  }

  getRepo(id: string): Promise<MarketplaceRepo> {
    return this.repositories.getRepo(id);
  }

  /** Registers a git repository (not synced yet: `syncRepo` does that, as a job). */
  addRepo(input: AddRepoInput): Promise<MarketplaceRepo> {
    return this.repositories.addRepo(input);
  }

  /** A disabled repository's apps leave the catalog; they come back, unchanged, when it is enabled. */
  setRepoEnabled(id: string, enabled: boolean): Promise<MarketplaceRepo> {
    return this.repositories.setRepoEnabled(id, enabled);
  }

  /** Deletes a user-added repository, its apps and its checkout. The built-in catalog stays (CONFLICT). */
  removeRepo(id: string): Promise<MarketplaceRepo> {
    return this.repositories.removeRepo(id);
  }

  /** Moves a token that an older version stored inside a repository URL into the encrypted column. */
  secureStoredCredentials(): Promise<number> {
    return this.repositories.secureStoredCredentials();
  }

  /** Brings a repository's apps up to date (see MarketplaceSync.syncRepo). */
  syncRepo(id: string, options: SyncOptions = {}): Promise<MarketplaceSyncResult> {
    return this.sync.syncRepo(id, options);
  }

  /** Creates or refreshes the built-in catalog from the files shipped with Tomo; idempotent. */
  loadBuiltInCatalog(options: SyncOptions = {}): Promise<MarketplaceSyncResult> {
    return this.sync.loadBuiltInCatalog(options);
  }
}
