import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Role } from '@tomo/shared';

/** A person (or a script's owner) who signs in. The table is not called `user`: that is reserved in Postgres. */
@Entity('user_account')
@Index('UQ_user_account_username', ['username'], { unique: true })
@Index('UQ_user_account_setupSlot', ['setupSlot'], { unique: true })
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Lowercase; unique. */
  @Column({ type: 'varchar', length: 64 })
  username!: string;

  /** bcrypt (cost 12) of the SHA-256 of the password; see PasswordHasher. */
  @Column({ type: 'varchar', length: 100 })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  @Column({ type: Boolean })
  disabled!: boolean;

  /** 1 on the admin that setupAdmin created, NULL elsewhere: a unique index makes first-run setup happen once. */
  @Column({ type: 'integer', nullable: true })
  setupSlot!: number | null;

  @Column({ type: Date })
  createdAt!: Date;

  @Column({ type: Date })
  updatedAt!: Date;

  @Column({ type: Date })
  passwordChangedAt!: Date;

  @Column({ type: Date, nullable: true })
  lastLoginAt!: Date | null;
}
