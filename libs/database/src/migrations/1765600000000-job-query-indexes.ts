import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

/**
 * Indexes for the jobs store's list and count queries at tens of thousands of jobs (issue 16):
 * `(createdAt, id)` and `(status, createdAt, id)` serve the newest-first pages (unfiltered and by
 * status) without a sort, and `finishedAt` the dashboard's 24-hour counts. The two composite
 * indexes start with the columns of the single-column ones, which they replace.
 */
export class JobQueryIndexes1765600000000 implements MigrationInterface {
  name = 'JobQueryIndexes1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('job', 'IDX_job_status');
    await queryRunner.dropIndex('job', 'IDX_job_createdAt');
    await queryRunner.createIndices('job', [
      new TableIndex({ name: 'IDX_job_createdAt_id', columnNames: ['createdAt', 'id'] }),
      new TableIndex({ name: 'IDX_job_status_createdAt_id', columnNames: ['status', 'createdAt', 'id'] }),
      new TableIndex({ name: 'IDX_job_finishedAt', columnNames: ['finishedAt'] }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('job', 'IDX_job_finishedAt');
    await queryRunner.dropIndex('job', 'IDX_job_status_createdAt_id');
    await queryRunner.dropIndex('job', 'IDX_job_createdAt_id');
    await queryRunner.createIndices('job', [
      new TableIndex({ name: 'IDX_job_status', columnNames: ['status'] }),
      new TableIndex({ name: 'IDX_job_createdAt', columnNames: ['createdAt'] }),
    ]);
  }
}
