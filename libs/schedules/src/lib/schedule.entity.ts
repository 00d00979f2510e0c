import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The stored state of one schedule: what admins change and what the last run was. */
@Entity('schedule')
export class ScheduleEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'integer' })
  everySeconds!: number;

  @Column({ type: Boolean, default: false })
  paused!: boolean;

  @Column({ type: Date, nullable: true })
  lastRunAt!: Date | null;

  /** The job the last run started; its status is the schedule's lastStatus. */
  @Column({ type: 'varchar', length: 36, nullable: true })
  lastJobId!: string | null;

  @Column({ type: Date })
  updatedAt!: Date;
}
