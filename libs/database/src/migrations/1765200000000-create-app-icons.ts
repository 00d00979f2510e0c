import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { portableTypes } from '../lib/column-types';

/** App icons downloaded by marketplace syncs, served by the API (issue 13: the console loads nothing from other hosts). */
export class CreateAppIcons1765200000000 implements MigrationInterface {
  name = 'CreateAppIcons1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp } = portableTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'marketplace_app_icon',
        columns: [
          { name: 'appId', type: 'varchar', length: '100', isPrimary: true },
          { name: 'sourceUrl', type: 'varchar', length: '2048' },
          { name: 'contentType', type: 'varchar', length: '100' },
          { name: 'data', type: 'text' },
          { name: 'fetchedAt', type: timestamp },
        ],
        foreignKeys: [
          {
            columnNames: ['appId'],
            referencedTableName: 'marketplace_app',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('marketplace_app_icon');
  }
}
