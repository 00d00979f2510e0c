import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from './user.entity';

/** A login. Its JWT names it (`sid`); the JWT is only accepted while this row is live. */
@Entity('session')
@Index('IDX_session_userId', ['userId'])
export class SessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 36 })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'userId' })
  user?: UserEntity;

  @Column({ type: Date })
  createdAt!: Date;

  /** Updated by authenticated requests, at most once per ACTIVITY_WRITE_INTERVAL. */
  @Column({ type: Date })
  lastActivityAt!: Date;

  /** When the JWT expires; the session ends then at the latest. */
  @Column({ type: Date })
  expiresAt!: Date;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ type: 'varchar', length: 300, nullable: true })
  userAgent!: string | null;

  @Column({ type: Date, nullable: true })
  revokedAt!: Date | null;
}
