import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { portableTypes } from '../lib/column-types';

export class CreateSettings1765100000000 implements MigrationInterface {
  name = 'CreateSettings1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp } = portableTypes(queryRunner);
    // One row per system setting: a new setting needs no migration.
    await queryRunner.createTable(
      new Table({
        name: 'setting',
        columns: [
          { name: 'key', type: 'varchar', length: '64', isPrimary: true },
          { name: 'value', type: 'text' },
          { name: 'updatedAt', type: timestamp },
          { name: 'updatedBy', type: 'varchar', length: '64', isNullable: true },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'user_preference',
        columns: [
          { name: 'userId', type: 'varchar', length: '36', isPrimary: true },
          { name: 'theme', type: 'varchar', length: '16' },
          { name: 'timeFormat', type: 'varchar', length: '16' },
          { name: 'updatedAt', type: timestamp },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('user_preference');
    await queryRunner.dropTable('setting');
  }
}
