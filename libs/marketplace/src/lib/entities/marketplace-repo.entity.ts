import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { type MarketplaceFileError } from '../app-definition-parser';

/** How the last sync of a repository ended. */
export enum MarketplaceSyncStatus {
  /** Every app file was valid. */
  Succeeded = 'SUCCEEDED',
  /** The repository was read, but some files were invalid (see `errors`). */
  Partial = 'PARTIAL',
  /** Nothing was read (git failed, cancelled, …); the apps from the previous sync stay. */
  Failed = 'FAILED',
}

/** A marketplace repository: the built-in catalog, or a git repository a user added. */
@Entity('marketplace_repo')
@Index('UQ_marketplace_repo_name', ['name'], { unique: true })
@Index('UQ_marketplace_repo_url_branch', ['url', 'branch'], { unique: true })
export class MarketplaceRepoEntity {
  /** `builtin` for the built-in catalog, a UUID otherwise. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Lowercase slug; the first half of the public app ids (`<name>/<app id>`). */
  @Column({ type: 'varchar', length: 40 })
  name!: string;

  /** Without user info: a token in the URL is kept apart, encrypted, in `credentialsCiphertext`. */
  @Column({ type: 'varchar', length: 500 })
  url!: string;

  /** SecretBox ciphertext of the URL's user info (an access token), never returned by any API. */
  @Column({ type: 'text', nullable: true })
  credentialsCiphertext!: string | null;

  @Column({ type: 'varchar', length: 200 })
  branch!: string;

  /** A disabled repository's apps are left out of the catalog (they are kept, for deployments). */
  @Column({ type: Boolean })
  enabled!: boolean;

  @Column({ type: Boolean })
  builtIn!: boolean;

  @Column({ type: Date })
  createdAt!: Date;

  @Column({ type: Date })
  updatedAt!: Date;

  @Column({ type: Date, nullable: true })
  lastSyncedAt!: Date | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  lastSyncStatus!: MarketplaceSyncStatus | null;

  /** Why the last sync failed as a whole (git, cancellation); null when it read the repository. */
  @Column({ type: 'text', nullable: true })
  lastSyncError!: string | null;

  /** The commit the last successful sync read. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  lastCommit!: string | null;

  /** Apps in the catalog from this repository (not removed). */
  @Column({ type: 'integer' })
  appCount!: number;

  /** The invalid files of the last sync that read the repository. */
  @Column({ type: 'simple-json' })
  errors!: MarketplaceFileError[];
}
