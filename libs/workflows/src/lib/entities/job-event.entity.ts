import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { JobEntity } from './job.entity';
import { JobStatus } from '@tomo/shared';

/** One line of a job's timeline. `seq` increases strictly within a job. */
@Entity('job_event')
export class JobEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  jobId!: string;

  /** Declares the foreign key (rows go with their job); never loaded. */
  @ManyToOne(() => JobEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'jobId' })
  job?: JobEntity;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ type: 'varchar', length: 32 })
  type!: string;

  /** The step's name; null for job-level events. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  step!: string | null;

  @Column({ type: 'text' })
  message!: string;

  /** The job's status right after this event. */
  @Column({ type: 'varchar', length: 16 })
  status!: JobStatus;

  @Column({ type: Date })
  at!: Date;
}
