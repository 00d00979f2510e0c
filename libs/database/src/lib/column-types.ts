import type { QueryRunner } from 'typeorm';

/**
 * Column types for migrations that differ between SQLite and Postgres. Entities declare
 * timestamps as `type: Date`, which TypeORM maps per driver in the same way.
 */
export function portableTypes(queryRunner: QueryRunner) {
  const driver = queryRunner.connection.driver;
  return {
    timestamp: driver.normalizeType({ type: Date }),
    boolean: driver.normalizeType({ type: Boolean }),
    /** `default: false` as each driver writes it (SQLite `0`, Postgres `false`), so schemas compare equal. */
    falseDefault: driver.normalizeDefault({ default: false } as Parameters<typeof driver.normalizeDefault>[0]),
  };
}
