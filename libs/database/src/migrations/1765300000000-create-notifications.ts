import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { portableTypes } from '../lib/column-types';

export class CreateNotifications1765300000000 implements MigrationInterface {
  name = 'CreateNotifications1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp, boolean } = portableTypes(queryRunner);
    const trueDefault = queryRunner.connection.driver.normalizeDefault({
      default: true,
    } as Parameters<typeof queryRunner.connection.driver.normalizeDefault>[0]);
    await queryRunner.createTable(
      new Table({
        name: 'notification_channel',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '100', isUnique: true },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'events', type: 'text' },
          { name: 'enabled', type: boolean, default: trueDefault },
          { name: 'url', type: 'varchar', length: '2048', isNullable: true },
          { name: 'secretCiphertext', type: 'text', isNullable: true },
          { name: 'emailTo', type: 'text', isNullable: true },
          {
            name: 'emailFrom',
            type: 'varchar',
            length: '320',
            isNullable: true,
          },
          {
            name: 'smtpHost',
            type: 'varchar',
            length: '255',
            isNullable: true,
          },
          { name: 'smtpPort', type: 'integer', isNullable: true },
          {
            name: 'smtpSecurity',
            type: 'varchar',
            length: '16',
            isNullable: true,
          },
          {
            name: 'smtpUsername',
            type: 'varchar',
            length: '255',
            isNullable: true,
          },
          { name: 'smtpPasswordCiphertext', type: 'text', isNullable: true },
          { name: 'createdAt', type: timestamp },
          { name: 'updatedAt', type: timestamp },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'notification',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'event', type: 'varchar', length: '32' },
          { name: 'message', type: 'text' },
          { name: 'minRole', type: 'varchar', length: '16' },
          { name: 'jobId', type: 'varchar', length: '36', isNullable: true },
          { name: 'serverId', type: 'varchar', length: '36', isNullable: true },
          {
            name: 'deploymentId',
            type: 'varchar',
            length: '36',
            isNullable: true,
          },
          { name: 'details', type: 'text' },
          { name: 'createdAt', type: timestamp },
        ],
      }),
    );
    await queryRunner.createIndex(
      'notification',
      new TableIndex({
        name: 'IDX_notification_created',
        columnNames: ['createdAt', 'id'],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'notification_read',
        columns: [
          {
            name: 'notificationId',
            type: 'varchar',
            length: '36',
            isPrimary: true,
          },
          { name: 'userId', type: 'varchar', length: '36', isPrimary: true },
          { name: 'readAt', type: timestamp },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('notification_read');
    await queryRunner.dropTable('notification');
    await queryRunner.dropTable('notification_channel');
  }
}
