import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { JobEntity } from './job.entity';
import { StepStatus } from '@tomo/shared';

@Entity('job_step')
export class JobStepEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  jobId!: string;

  /** Declares the foreign key (rows go with their job); never loaded. */
  @ManyToOne(() => JobEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'jobId' })
  job?: JobEntity;

  /** 0-based order of the step within its workflow. */
  @PrimaryColumn({ type: 'integer' })
  position!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: StepStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ type: Date, nullable: true })
  startedAt!: Date | null;

  @Column({ type: Date, nullable: true })
  finishedAt!: Date | null;

  /** When a step waits for a retry: the time of its next attempt. */
  @Column({ type: Date, nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ type: 'simple-json', nullable: true })
  output!: unknown;

  @Column({ type: 'varchar', length: 64, nullable: true })
  errorCode!: string | null;

  @Column({ type: 'text', nullable: true })
  errorMessage!: string | null;
}
