import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * Issue 10: an API token made with another token records it, so it expires no later than it and
 * is revoked with it. Existing tokens have no parent.
 */
export class ApiTokenParent1765000000000 implements MigrationInterface {
  name = 'ApiTokenParent1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'api_token',
      new TableColumn({ name: 'parentTokenId', type: 'varchar', length: '36', isNullable: true }),
    );
    await queryRunner.createIndex(
      'api_token',
      new TableIndex({ name: 'IDX_api_token_parentTokenId', columnNames: ['parentTokenId'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('api_token', 'IDX_api_token_parentTokenId');
    await queryRunner.dropColumn('api_token', 'parentTokenId');
  }
}
