import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ChangedRecord, RecordChangePublisher } from '@tomo/redis';
import { EncryptedColumnRegistry, SecretBox } from '@tomo/secrets';
import { notFound } from '@tomo/shared';
import { type DeploymentConfig, maskSecrets, secretValues, withSecrets } from './deployment-config';
import { DeploymentEntity } from './entities';

export type DeploymentPatch = Partial<
  Pick<
    DeploymentEntity,
    | 'status'
    | 'statusMessage'
    | 'containerId'
    | 'image'
    | 'config'
    | 'secretEnv'
    | 'targetImage'
    | 'targetConfig'
    | 'targetSecretEnv'
    | 'accessUrls'
    | 'lastJobId'
  >
>;

/**
 * Deployment rows, for the API and the worker: the one place that encrypts and decrypts the
 * secret env values. Rows hold the configuration masked; `fullConfig` puts the values back
 * (worker side, right before `docker create`).
 */
@Injectable()
export class DeploymentRecords implements OnModuleInit {
  constructor(
    @InjectRepository(DeploymentEntity) private readonly repo: Repository<DeploymentEntity>,
    private readonly box: SecretBox,
    private readonly encryptedColumns: EncryptedColumnRegistry,
    private readonly changes: RecordChangePublisher,
  ) {}

  onModuleInit(): void {
    this.encryptedColumns.register({
      table: 'deployment',
      primaryKey: 'id',
      columns: ['secretEnv', 'targetSecretEnv'],
    });
  }

  find(id: string): Promise<DeploymentEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  async get(id: string): Promise<DeploymentEntity> {
    const row = await this.find(id);
    if (!row) throw notFound('Deployment', id);
    return row;
  }

  list(serverId: string | null): Promise<DeploymentEntity[]> {
    return this.repo.find({ where: serverId ? { serverId } : {}, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** How many deployments are in each status (only statuses that occur), counted by the database. */
  async countByStatus(): Promise<Map<string, number>> {
    const rows = await this.repo
      .createQueryBuilder('d')
      .select('d.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .groupBy('d.status')
      .getRawMany<{ status: string; count: number | string }>();
    // Postgres answers COUNT as a bigint string.
    return new Map(rows.map((row) => [row.status, Number(row.count)]));
  }

  countOnServer(serverId: string): Promise<number> {
    return this.repo.count({ where: { serverId } });
  }

  async insert(row: DeploymentEntity): Promise<void> {
    await this.repo.insert(row);
    this.changes.changed(ChangedRecord.Deployment, row.id);
  }

  /** Every change goes through here, so `deploymentUpdated` subscribers (any API process) see it. */
  async update(id: string, patch: DeploymentPatch): Promise<void> {
    await this.repo.update({ id }, { ...patch, updatedAt: new Date() });
    this.changes.changed(ChangedRecord.Deployment, id);
  }

  async delete(id: string): Promise<void> {
    await this.repo.delete({ id });
  }

  /** The masked configuration and the ciphertext of its secret values, for storing. */
  seal(config: DeploymentConfig): { config: DeploymentConfig; secretEnv: string | null } {
    const secrets = secretValues(config);
    return {
      config: maskSecrets(config),
      secretEnv: Object.keys(secrets).length > 0 ? this.box.encrypt(JSON.stringify(secrets)) : null,
    };
  }

  /** The current configuration with its secret values. */
  fullConfig(row: DeploymentEntity): DeploymentConfig {
    return this.open(row.config, row.secretEnv);
  }

  /** The configuration a pending update moves to, with its secret values; null when there is none. */
  fullTargetConfig(row: DeploymentEntity): DeploymentConfig | null {
    return row.targetConfig ? this.open(row.targetConfig, row.targetSecretEnv) : null;
  }

  private open(config: DeploymentConfig, ciphertext: string | null): DeploymentConfig {
    const secrets = ciphertext ? (JSON.parse(this.box.decrypt(ciphertext)) as Record<string, string>) : {};
    return withSecrets(config, secrets);
  }
}
