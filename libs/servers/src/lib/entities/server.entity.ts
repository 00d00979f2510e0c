import { Column, Entity, Index, PrimaryColumn, type ValueTransformer } from 'typeorm';
import { ServerAuthType, ServerStatus } from '../server-status';

/** Postgres returns BIGINT as a string; byte counts fit a JS number (< 2^53). */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? null : Number(value)),
};

/**
 * A managed server. The `*Ciphertext` columns hold SecretBox ciphertexts; they are never
 * selected by default (`select: false`) so that a loaded row can be logged or serialized
 * without carrying them, and only ServerShell (worker) reads and decrypts them, when it opens
 * a connection.
 */
@Entity('server')
@Index('UQ_server_name', ['name'], { unique: true })
export class ServerEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** Host name or IP address. */
  @Column({ type: 'varchar', length: 253 })
  host!: string;

  @Column({ type: 'integer' })
  port!: number;

  @Column({ type: 'varchar', length: 64 })
  username!: string;

  @Column({ type: 'varchar', length: 16 })
  authType!: ServerAuthType;

  @Column({ type: 'text', nullable: true, select: false })
  passwordCiphertext?: string | null;

  @Column({ type: 'text', nullable: true, select: false })
  privateKeyCiphertext?: string | null;

  @Column({ type: 'text', nullable: true, select: false })
  passphraseCiphertext?: string | null;

  /** Default Docker network mode of deployments on this server: `host`, `bridge` or a network name. */
  @Column({ type: 'varchar', length: 64 })
  networkMode!: string;

  /** Mutating workflows (deployments…) allowed at once on this server; 1 = one at a time. */
  @Column({ type: 'integer' })
  maxConcurrentJobs!: number;

  /** Opt-in: the daily `prune-images` schedule removes this server's dangling Docker images. */
  @Column({ type: Boolean, default: false })
  pruneImages!: boolean;

  @Column({ type: 'varchar', length: 24 })
  status!: ServerStatus;

  /** Why the status is what it is (the last error, or what is missing), for people. */
  @Column({ type: 'text', nullable: true })
  statusMessage!: string | null;

  /** The pinned host key (`SHA256:…`), recorded by the first successful connection. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  hostKeyFingerprint!: string | null;

  /** While HOST_KEY_MISMATCH: the key the server presented instead (what acceptServerHostKey pins). */
  @Column({ type: 'varchar', length: 100, nullable: true })
  presentedHostKeyFingerprint!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  dockerVersion!: string | null;

  /** Whether the SSH user may talk to the Docker daemon (null: not checked yet / no Docker). */
  @Column({ type: Boolean, nullable: true })
  dockerAccessible!: boolean | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  os!: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  arch!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  kernel!: string | null;

  @Column({ type: 'integer', nullable: true })
  cpuCount!: number | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  memoryBytes!: number | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  diskBytes!: number | null;

  /** Last time a connection to the server succeeded. */
  @Column({ type: Date, nullable: true })
  lastSeenAt!: Date | null;

  /** Last time a connection test finished (whatever its outcome). */
  @Column({ type: Date, nullable: true })
  lastCheckedAt!: Date | null;

  @Column({ type: Date })
  createdAt!: Date;

  @Column({ type: Date })
  updatedAt!: Date;
}
