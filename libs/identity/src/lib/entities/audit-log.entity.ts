import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type AuditActorType = 'user' | 'api-token' | 'anonymous' | 'cli' | 'system';
export type AuditOutcome = 'SUCCESS' | 'FAILURE';

/** One state-changing action: who, what, on which target, when, and how it ended. Never holds secrets. */
@Entity('audit_log')
@Index('IDX_audit_log_at', ['at'])
export class AuditLogEntity {
  /** Increasing: the cursor of `auditLog(first, after)`. */
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ type: Date })
  at!: Date;

  @Column({ type: 'varchar', length: 16 })
  actorType!: AuditActorType;

  @Column({ type: 'varchar', length: 36, nullable: true })
  actorId!: string | null;

  /** Username (or token name) at the time, kept even if the user is deleted later. */
  @Column({ type: 'varchar', length: 120, nullable: true })
  actorName!: string | null;

  /** The operation, e.g. `login`, `createUser`, `cli.user:create`. */
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ type: 'varchar', length: 32, nullable: true })
  targetType!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  targetId!: string | null;

  @Column({ type: 'varchar', length: 8 })
  outcome!: AuditOutcome;

  @Column({ type: 'varchar', length: 64, nullable: true })
  errorCode!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  /** Non-secret input, as JSON (secret-looking fields are removed before it is stored). */
  @Column({ type: 'simple-json', nullable: true })
  details!: Record<string, unknown> | null;
}
