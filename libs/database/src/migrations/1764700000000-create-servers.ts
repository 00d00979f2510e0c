import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { portableTypes } from '../lib/column-types';

/** Managed servers (credentials as SecretBox ciphertexts) and their metrics time series (issue: servers). */
export class CreateServers1764700000000 implements MigrationInterface {
  name = 'CreateServers1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp, boolean } = portableTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'server',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'host', type: 'varchar', length: '253' },
          { name: 'port', type: 'integer' },
          { name: 'username', type: 'varchar', length: '64' },
          { name: 'authType', type: 'varchar', length: '16' },
          { name: 'passwordCiphertext', type: 'text', isNullable: true },
          { name: 'privateKeyCiphertext', type: 'text', isNullable: true },
          { name: 'passphraseCiphertext', type: 'text', isNullable: true },
          { name: 'networkMode', type: 'varchar', length: '64' },
          { name: 'maxConcurrentJobs', type: 'integer' },
          { name: 'status', type: 'varchar', length: '24' },
          { name: 'statusMessage', type: 'text', isNullable: true },
          {
            name: 'hostKeyFingerprint',
            type: 'varchar',
            length: '100',
            isNullable: true,
          },
          {
            name: 'presentedHostKeyFingerprint',
            type: 'varchar',
            length: '100',
            isNullable: true,
          },
          {
            name: 'dockerVersion',
            type: 'varchar',
            length: '64',
            isNullable: true,
          },
          { name: 'dockerAccessible', type: boolean, isNullable: true },
          { name: 'os', type: 'varchar', length: '200', isNullable: true },
          { name: 'arch', type: 'varchar', length: '32', isNullable: true },
          { name: 'kernel', type: 'varchar', length: '200', isNullable: true },
          { name: 'cpuCount', type: 'integer', isNullable: true },
          { name: 'memoryBytes', type: 'bigint', isNullable: true },
          { name: 'diskBytes', type: 'bigint', isNullable: true },
          { name: 'lastSeenAt', type: timestamp, isNullable: true },
          { name: 'lastCheckedAt', type: timestamp, isNullable: true },
          { name: 'createdAt', type: timestamp },
          { name: 'updatedAt', type: timestamp },
        ],
        indices: [
          new TableIndex({
            name: 'UQ_server_name',
            columnNames: ['name'],
            isUnique: true,
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'server_metric',
        columns: [
          { name: 'serverId', type: 'varchar', length: '36', isPrimary: true },
          { name: 'bucketSeconds', type: 'integer', isPrimary: true },
          { name: 'at', type: timestamp, isPrimary: true },
          { name: 'samples', type: 'integer' },
          { name: 'cpuPercent', type: 'double precision', isNullable: true },
          { name: 'cpuTotalTicks', type: 'bigint', isNullable: true },
          { name: 'cpuIdleTicks', type: 'bigint', isNullable: true },
          { name: 'memoryUsedBytes', type: 'bigint', isNullable: true },
          { name: 'memoryTotalBytes', type: 'bigint', isNullable: true },
          { name: 'diskUsedBytes', type: 'bigint', isNullable: true },
          { name: 'diskTotalBytes', type: 'bigint', isNullable: true },
          { name: 'load1', type: 'double precision', isNullable: true },
          { name: 'load5', type: 'double precision', isNullable: true },
          { name: 'load15', type: 'double precision', isNullable: true },
          {
            name: 'containersRunning',
            type: 'double precision',
            isNullable: true,
          },
          {
            name: 'containersTotal',
            type: 'double precision',
            isNullable: true,
          },
        ],
        foreignKeys: [
          {
            columnNames: ['serverId'],
            referencedTableName: 'server',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('server_metric');
    await queryRunner.dropTable('server');
  }
}
