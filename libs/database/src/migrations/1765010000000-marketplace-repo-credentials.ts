import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/**
 * Issue 10: a token in a marketplace repository URL (`https://TOKEN@host/…`) is kept apart from
 * the URL, encrypted. Rows stored before keep theirs in `url` until the API's start moves it
 * (MarketplaceService.secureStoredCredentials: a migration has no access to the secret key).
 */
export class MarketplaceRepoCredentials1765010000000 implements MigrationInterface {
  name = 'MarketplaceRepoCredentials1765010000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'marketplace_repo',
      new TableColumn({ name: 'credentialsCiphertext', type: 'text', isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('marketplace_repo', 'credentialsCiphertext');
  }
}
