import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/**
 * Job runs are fenced (`runToken`: every commit of a run carries the token it claimed, so a
 * stale run's writes are refused), and idempotency keys are matched on what was asked
 * (`requestFingerprint`: a SHA-256 of the request, compared when a key is used again).
 */
export class FenceJobRuns1765050000000 implements MigrationInterface {
  name = 'FenceJobRuns1765050000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('job', [
      new TableColumn({ name: 'runToken', type: 'varchar', length: '36', isNullable: true }),
      new TableColumn({ name: 'requestFingerprint', type: 'varchar', length: '64', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('job', 'requestFingerprint');
    await queryRunner.dropColumn('job', 'runToken');
  }
}
