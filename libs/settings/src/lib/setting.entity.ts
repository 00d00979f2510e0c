import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One stored system setting (a key of SystemSettings); keys without a row have their default. */
@Entity('setting')
export class SettingEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key!: string;

  /** The value as JSON. */
  @Column({ type: 'text' })
  value!: string;

  @Column({ type: Date })
  updatedAt!: Date;

  /** The username of whoever changed it last. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  updatedBy!: string | null;
}

/** A user's console preferences; no row means every preference has its default. */
@Entity('user_preference')
export class UserPreferenceEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  userId!: string;

  @Column({ type: 'varchar', length: 16 })
  theme!: string;

  @Column({ type: 'varchar', length: 16 })
  timeFormat!: string;

  @Column({ type: Date })
  updatedAt!: Date;
}
