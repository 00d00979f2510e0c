import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { DeploymentConfig } from '../deployment-config';

/** Where a deployment stands, as the last workflow or the reconciliation left it. */
export enum DeploymentStatus {
  /** The install job has not finished yet. */
  Installing = 'INSTALLING',
  Running = 'RUNNING',
  Stopped = 'STOPPED',
  /** The container runs but its health check fails. */
  Unhealthy = 'UNHEALTHY',
  /** The container is gone from the server (found by reconciliation). */
  Missing = 'MISSING',
  /** The install failed (what it created was removed); see `statusMessage`. */
  Failed = 'FAILED',
  /** An uninstall job is removing it; the record is deleted when it succeeds. */
  Uninstalling = 'UNINSTALLING',
}

/**
 * One app installed on one server. The configuration is stored with secret env values blanked
 * (`config`); those values are in `secretEnv`, encrypted with SecretBox as one JSON object.
 * `target*` hold the configuration and image an update moves to; an update that fails leaves
 * them as they are (so the job can be retried) and the deployment on its current values.
 */
@Entity('deployment')
@Index('IDX_deployment_serverId', ['serverId'])
export class DeploymentEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 36 })
  serverId!: string;

  /** Public marketplace app id (`builtin/uptime-kuma`). */
  @Column({ type: 'varchar', length: 100 })
  appId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: DeploymentStatus;

  @Column({ type: 'text', nullable: true })
  statusMessage!: string | null;

  @Column({ type: 'varchar', length: 100 })
  containerName!: string;

  @Column({ type: 'varchar', length: 80, nullable: true })
  containerId!: string | null;

  /** The image reference the container runs (or will run, while installing). */
  @Column({ type: 'varchar', length: 300 })
  image!: string;

  @Column({ type: 'simple-json' })
  config!: DeploymentConfig;

  @Column({ type: 'text', nullable: true })
  secretEnv!: string | null;

  @Column({ type: 'varchar', length: 300, nullable: true })
  targetImage!: string | null;

  @Column({ type: 'simple-json', nullable: true })
  targetConfig!: DeploymentConfig | null;

  @Column({ type: 'text', nullable: true })
  targetSecretEnv!: string | null;

  @Column({ type: 'simple-json' })
  accessUrls!: string[];

  @Column({ type: 'varchar', length: 36, nullable: true })
  lastJobId!: string | null;

  @Column({ type: Date })
  createdAt!: Date;

  @Column({ type: Date })
  updatedAt!: Date;
}
