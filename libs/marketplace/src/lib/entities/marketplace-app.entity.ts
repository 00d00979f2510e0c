import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { type AppCategory, type AppDefinition } from '../app-definition';
import { MarketplaceRepoEntity } from './marketplace-repo.entity';

/**
 * An app as the last sync of its repository read it. The columns beside `definition` are
 * copies for searching and listing; `definition` is the whole AppDefinition.
 */
@Entity('marketplace_app')
@Index('UQ_marketplace_app_repoId_appId', ['repoId', 'appId'], { unique: true })
export class MarketplaceAppEntity {
  /** The public id, `<repository name>/<app id>`, e.g. `builtin/uptime-kuma`. */
  @PrimaryColumn({ type: 'varchar', length: 100 })
  id!: string;

  @Column({ type: 'varchar', length: 36 })
  repoId!: string;

  @ManyToOne(() => MarketplaceRepoEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'repoId' })
  repo?: MarketplaceRepoEntity;

  /** The app's id inside its repository (app.yaml `id`). */
  @Column({ type: 'varchar', length: 50 })
  appId!: string;

  @Column({ type: 'varchar', length: 50 })
  name!: string;

  @Column({ type: 'varchar', length: 200 })
  description!: string;

  @Column({ type: 'varchar', length: 20 })
  category!: AppCategory;

  @Column({ type: 'simple-json' })
  tags!: string[];

  @Column({ type: 'varchar', length: 20 })
  version!: string;

  @Column({ type: 'simple-json' })
  definition!: AppDefinition;

  /** The app.yaml it came from, relative to the repository root. */
  @Column({ type: 'varchar', length: 300 })
  sourcePath!: string;

  /**
   * The app is no longer in its repository. The row stays so that deployments of it keep
   * their definition; removed apps are left out of the catalog.
   */
  @Column({ type: Boolean })
  removed!: boolean;

  @Column({ type: Date, nullable: true })
  removedAt!: Date | null;

  @Column({ type: Date })
  createdAt!: Date;

  @Column({ type: Date })
  updatedAt!: Date;
}
