import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { MarketplaceAppEntity } from './marketplace-app.entity';

/**
 * An app's icon as a marketplace sync downloaded it from the URL its definition names, so
 * that the console loads it from Tomo (`/icons/<app id>`), never from the catalog's host.
 * In the database rather than DATA_DIR: the worker that syncs and the API that serves may run
 * on different hosts.
 */
@Entity('marketplace_app_icon')
export class MarketplaceAppIconEntity {
  /** The app's public id (`builtin/uptime-kuma`); the icon goes with the app. */
  @PrimaryColumn({ type: 'varchar', length: 100 })
  appId!: string;

  @ManyToOne(() => MarketplaceAppEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'appId' })
  app?: MarketplaceAppEntity;

  /** The URL it was downloaded from: a sync downloads again only when the definition names another. */
  @Column({ type: 'varchar', length: 2048 })
  sourceUrl!: string;

  /** One of APP_ICON_TYPES. */
  @Column({ type: 'varchar', length: 100 })
  contentType!: string;

  /** The image, base64 (a text column reads the same on SQLite and Postgres); at most APP_ICON_MAX_BYTES raw. */
  @Column({ type: 'text' })
  data!: string;

  @Column({ type: Date })
  fetchedAt!: Date;
}
