import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { portableTypes } from '../lib/column-types';

/** Marketplace repositories and the apps read from them (issue: deployments, marketplace half). */
export class CreateMarketplace1764300000000 implements MigrationInterface {
  name = 'CreateMarketplace1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp, boolean } = portableTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'marketplace_repo',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '40' },
          { name: 'url', type: 'varchar', length: '500' },
          { name: 'branch', type: 'varchar', length: '200' },
          { name: 'enabled', type: boolean },
          { name: 'builtIn', type: boolean },
          { name: 'createdAt', type: timestamp },
          { name: 'updatedAt', type: timestamp },
          { name: 'lastSyncedAt', type: timestamp, isNullable: true },
          { name: 'lastSyncStatus', type: 'varchar', length: '16', isNullable: true },
          { name: 'lastSyncError', type: 'text', isNullable: true },
          { name: 'lastCommit', type: 'varchar', length: '64', isNullable: true },
          { name: 'appCount', type: 'integer' },
          { name: 'errors', type: 'text' },
        ],
        indices: [
          new TableIndex({ name: 'UQ_marketplace_repo_name', columnNames: ['name'], isUnique: true }),
          new TableIndex({ name: 'UQ_marketplace_repo_url_branch', columnNames: ['url', 'branch'], isUnique: true }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'marketplace_app',
        columns: [
          { name: 'id', type: 'varchar', length: '100', isPrimary: true },
          { name: 'repoId', type: 'varchar', length: '36' },
          { name: 'appId', type: 'varchar', length: '50' },
          { name: 'name', type: 'varchar', length: '50' },
          { name: 'description', type: 'varchar', length: '200' },
          { name: 'category', type: 'varchar', length: '20' },
          { name: 'tags', type: 'text' },
          { name: 'version', type: 'varchar', length: '20' },
          { name: 'definition', type: 'text' },
          { name: 'sourcePath', type: 'varchar', length: '300' },
          { name: 'removed', type: boolean },
          { name: 'removedAt', type: timestamp, isNullable: true },
          { name: 'createdAt', type: timestamp },
          { name: 'updatedAt', type: timestamp },
        ],
        indices: [
          new TableIndex({ name: 'UQ_marketplace_app_repoId_appId', columnNames: ['repoId', 'appId'], isUnique: true }),
        ],
        foreignKeys: [
          {
            columnNames: ['repoId'],
            referencedTableName: 'marketplace_repo',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('marketplace_app');
    await queryRunner.dropTable('marketplace_repo');
  }
}
