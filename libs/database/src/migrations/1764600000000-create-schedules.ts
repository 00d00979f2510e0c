import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { portableTypes } from '../lib/column-types';

export class CreateSchedules1764600000000 implements MigrationInterface {
  name = 'CreateSchedules1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp, boolean, falseDefault } = portableTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'schedule',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          { name: 'everySeconds', type: 'integer' },
          { name: 'paused', type: boolean, default: falseDefault },
          { name: 'lastRunAt', type: timestamp, isNullable: true },
          { name: 'lastJobId', type: 'varchar', length: '36', isNullable: true },
          { name: 'updatedAt', type: timestamp },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('schedule');
  }
}
