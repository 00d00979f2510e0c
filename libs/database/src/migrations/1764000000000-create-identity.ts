import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { portableTypes } from '../lib/column-types';

/** Users, sessions, API tokens and the audit log (issue 4: identity and security). */
export class CreateIdentity1764000000000 implements MigrationInterface {
  name = 'CreateIdentity1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp, boolean } = portableTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'user_account',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'username', type: 'varchar', length: '64' },
          { name: 'passwordHash', type: 'varchar', length: '100' },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'disabled', type: boolean },
          { name: 'setupSlot', type: 'integer', isNullable: true },
          { name: 'createdAt', type: timestamp },
          { name: 'updatedAt', type: timestamp },
          { name: 'passwordChangedAt', type: timestamp },
          { name: 'lastLoginAt', type: timestamp, isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'UQ_user_account_username', columnNames: ['username'], isUnique: true }),
          new TableIndex({ name: 'UQ_user_account_setupSlot', columnNames: ['setupSlot'], isUnique: true }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'session',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'userId', type: 'varchar', length: '36' },
          { name: 'createdAt', type: timestamp },
          { name: 'lastActivityAt', type: timestamp },
          { name: 'expiresAt', type: timestamp },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'userAgent', type: 'varchar', length: '300', isNullable: true },
          { name: 'revokedAt', type: timestamp, isNullable: true },
        ],
        indices: [new TableIndex({ name: 'IDX_session_userId', columnNames: ['userId'] })],
        foreignKeys: [
          {
            columnNames: ['userId'],
            referencedTableName: 'user_account',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'api_token',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'userId', type: 'varchar', length: '36' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'tokenHash', type: 'varchar', length: '64' },
          { name: 'prefix', type: 'varchar', length: '16' },
          { name: 'createdAt', type: timestamp },
          { name: 'expiresAt', type: timestamp, isNullable: true },
          { name: 'lastUsedAt', type: timestamp, isNullable: true },
          { name: 'revokedAt', type: timestamp, isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'UQ_api_token_tokenHash', columnNames: ['tokenHash'], isUnique: true }),
          new TableIndex({ name: 'IDX_api_token_userId', columnNames: ['userId'] }),
        ],
        foreignKeys: [
          {
            columnNames: ['userId'],
            referencedTableName: 'user_account',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'audit_log',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'at', type: timestamp },
          { name: 'actorType', type: 'varchar', length: '16' },
          { name: 'actorId', type: 'varchar', length: '36', isNullable: true },
          { name: 'actorName', type: 'varchar', length: '120', isNullable: true },
          { name: 'action', type: 'varchar', length: '64' },
          { name: 'targetType', type: 'varchar', length: '32', isNullable: true },
          { name: 'targetId', type: 'varchar', length: '64', isNullable: true },
          { name: 'outcome', type: 'varchar', length: '8' },
          { name: 'errorCode', type: 'varchar', length: '64', isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'details', type: 'text', isNullable: true },
        ],
        indices: [new TableIndex({ name: 'IDX_audit_log_at', columnNames: ['at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_log');
    await queryRunner.dropTable('api_token');
    await queryRunner.dropTable('session');
    await queryRunner.dropTable('user_account');
  }
}
