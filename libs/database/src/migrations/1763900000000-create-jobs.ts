import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { portableTypes } from '../lib/column-types';

export class CreateJobs1763900000000 implements MigrationInterface {
  name = 'CreateJobs1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp, boolean, falseDefault } = portableTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'job',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '64' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'serverId', type: 'varchar', length: '36', isNullable: true },
          { name: 'deploymentId', type: 'varchar', length: '36', isNullable: true },
          { name: 'input', type: 'text' },
          { name: 'result', type: 'text', isNullable: true },
          { name: 'idempotencyKey', type: 'varchar', length: '200', isNullable: true },
          { name: 'requestedBy', type: 'varchar', length: '100', isNullable: true },
          { name: 'retryOfJobId', type: 'varchar', length: '36', isNullable: true },
          { name: 'lastEventSeq', type: 'integer', default: 0 },
          { name: 'cancelRequested', type: boolean, default: falseDefault },
          { name: 'errorCode', type: 'varchar', length: '64', isNullable: true },
          { name: 'errorMessage', type: 'text', isNullable: true },
          { name: 'createdAt', type: timestamp },
          { name: 'updatedAt', type: timestamp },
          { name: 'startedAt', type: timestamp, isNullable: true },
          { name: 'finishedAt', type: timestamp, isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'IDX_job_status', columnNames: ['status'] }),
          new TableIndex({ name: 'IDX_job_createdAt', columnNames: ['createdAt'] }),
          new TableIndex({ name: 'IDX_job_serverId', columnNames: ['serverId'] }),
          new TableIndex({ name: 'IDX_job_deploymentId', columnNames: ['deploymentId'] }),
          new TableIndex({ name: 'IDX_job_idempotencyKey', columnNames: ['idempotencyKey'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'job_step',
        columns: [
          { name: 'jobId', type: 'varchar', length: '36', isPrimary: true },
          { name: 'position', type: 'integer', isPrimary: true },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'startedAt', type: timestamp, isNullable: true },
          { name: 'finishedAt', type: timestamp, isNullable: true },
          { name: 'nextAttemptAt', type: timestamp, isNullable: true },
          { name: 'output', type: 'text', isNullable: true },
          { name: 'errorCode', type: 'varchar', length: '64', isNullable: true },
          { name: 'errorMessage', type: 'text', isNullable: true },
        ],
        foreignKeys: [
          { columnNames: ['jobId'], referencedTableName: 'job', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'job_event',
        columns: [
          { name: 'jobId', type: 'varchar', length: '36', isPrimary: true },
          { name: 'seq', type: 'integer', isPrimary: true },
          { name: 'type', type: 'varchar', length: '32' },
          { name: 'step', type: 'varchar', length: '100', isNullable: true },
          { name: 'message', type: 'text' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'at', type: timestamp },
        ],
        foreignKeys: [
          { columnNames: ['jobId'], referencedTableName: 'job', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('job_event');
    await queryRunner.dropTable('job_step');
    await queryRunner.dropTable('job');
  }
}
