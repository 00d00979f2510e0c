import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { portableTypes } from '../lib/column-types';

/**
 * Deployments (issue: deployments). `serverId` has no foreign key: the servers table is created
 * by its own migration, and a deployment's record outlives nothing it points at by design —
 * the servers module refuses to delete a server that still has deployments.
 */
export class CreateDeployments1764850000000 implements MigrationInterface {
  name = 'CreateDeployments1764850000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp } = portableTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'deployment',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'serverId', type: 'varchar', length: '36' },
          { name: 'appId', type: 'varchar', length: '100' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'statusMessage', type: 'text', isNullable: true },
          { name: 'containerName', type: 'varchar', length: '100' },
          { name: 'containerId', type: 'varchar', length: '80', isNullable: true },
          { name: 'image', type: 'varchar', length: '300' },
          { name: 'config', type: 'text' },
          { name: 'secretEnv', type: 'text', isNullable: true },
          { name: 'targetImage', type: 'varchar', length: '300', isNullable: true },
          { name: 'targetConfig', type: 'text', isNullable: true },
          { name: 'targetSecretEnv', type: 'text', isNullable: true },
          { name: 'accessUrls', type: 'text' },
          { name: 'lastJobId', type: 'varchar', length: '36', isNullable: true },
          { name: 'createdAt', type: timestamp },
          { name: 'updatedAt', type: timestamp },
        ],
        indices: [new TableIndex({ name: 'IDX_deployment_serverId', columnNames: ['serverId'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('deployment');
  }
}
