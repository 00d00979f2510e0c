import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintAsNumber, ServerEntity } from './server.entity';

/** `bucketSeconds` of a raw sample; downsampled rows carry their bucket length (3600 = hourly). */
export const RAW_SAMPLE = 0;

/**
 * One point of a server's metrics time series: a raw sample (bucketSeconds 0) or the average
 * of the raw samples of one bucket (bucketSeconds 3600, `samples` = how many).
 */
@Entity('server_metric')
export class ServerMetricEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  serverId!: string;

  @ManyToOne(() => ServerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'serverId' })
  server?: ServerEntity;

  @PrimaryColumn({ type: 'integer' })
  bucketSeconds!: number;

  /** Sample time, or the start of the bucket. */
  @PrimaryColumn({ type: Date })
  at!: Date;

  @Column({ type: 'integer' })
  samples!: number;

  /** Busy share of all CPUs over the interval before the sample, from /proc/stat deltas (0–100). */
  @Column({ type: 'double precision', nullable: true })
  cpuPercent!: number | null;

  /** The /proc/stat counters of a raw sample, for the next sample's delta. */
  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  cpuTotalTicks!: number | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  cpuIdleTicks!: number | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  memoryUsedBytes!: number | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  memoryTotalBytes!: number | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  diskUsedBytes!: number | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  diskTotalBytes!: number | null;

  @Column({ type: 'double precision', nullable: true })
  load1!: number | null;

  @Column({ type: 'double precision', nullable: true })
  load5!: number | null;

  @Column({ type: 'double precision', nullable: true })
  load15!: number | null;

  @Column({ type: 'double precision', nullable: true })
  containersRunning!: number | null;

  @Column({ type: 'double precision', nullable: true })
  containersTotal!: number | null;
}
