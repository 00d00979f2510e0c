import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';
import { portableTypes } from '../lib/column-types';

/** Opt-in per server: the `prune-images` schedule removes its dangling Docker images (issue 14). */
export class ServerPruneImages1765500000000 implements MigrationInterface {
  name = 'ServerPruneImages1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { boolean, falseDefault } = portableTypes(queryRunner);
    await queryRunner.addColumn(
      'server',
      new TableColumn({ name: 'pruneImages', type: boolean, default: falseDefault }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('server', 'pruneImages');
  }
}
