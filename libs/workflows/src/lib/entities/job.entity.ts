import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JobStatus } from '@tomo/shared';

/** One workflow run. Its steps and timeline events are separate rows (JobStepEntity, JobEventEntity). */
@Entity('job')
@Index('IDX_job_createdAt_id', ['createdAt', 'id'])
@Index('IDX_job_status_createdAt_id', ['status', 'createdAt', 'id'])
@Index('IDX_job_finishedAt', ['finishedAt'])
@Index('IDX_job_serverId', ['serverId'])
@Index('IDX_job_deploymentId', ['deploymentId'])
@Index('IDX_job_idempotencyKey', ['idempotencyKey'])
export class JobEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** A JobKind value. */
  @Column({ type: 'varchar', length: 64 })
  kind!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: JobStatus;

  @Column({ type: 'varchar', length: 36, nullable: true })
  serverId!: string | null;

  @Column({ type: 'varchar', length: 36, nullable: true })
  deploymentId!: string | null;

  /** The workflow's input. Never holds secrets: steps load those from their own tables. */
  @Column({ type: 'simple-json' })
  input!: Record<string, unknown>;

  @Column({ type: 'simple-json', nullable: true })
  result!: Record<string, unknown> | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  idempotencyKey!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  requestedBy!: string | null;

  /** SHA-256 of what was asked (kind, subject, input or the caller's own description), matched when the idempotency key comes again. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  requestFingerprint!: string | null;

  /**
   * The fencing token of the run that last wrote the job: every commit of a run sets it and
   * requires the value the run saw, so a run that lost its lease (another worker took the job
   * over) can no longer write.
   */
  @Column({ type: 'varchar', length: 36, nullable: true })
  runToken!: string | null;

  @Column({ type: 'varchar', length: 36, nullable: true })
  retryOfJobId!: string | null;

  /** The highest event seq handed out so far; events take theirs by incrementing it. */
  @Column({ type: 'integer', default: 0 })
  lastEventSeq!: number;

  @Column({ type: Boolean, default: false })
  cancelRequested!: boolean;

  @Column({ type: 'varchar', length: 64, nullable: true })
  errorCode!: string | null;

  @Column({ type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ type: Date })
  createdAt!: Date;

  @Column({ type: Date })
  updatedAt!: Date;

  @Column({ type: Date, nullable: true })
  startedAt!: Date | null;

  @Column({ type: Date, nullable: true })
  finishedAt!: Date | null;
}
