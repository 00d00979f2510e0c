import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadWorkerConfig } from '@tomo/config';
import { dataSourceOptions } from './data-source-options';

/** PRAGMA synchronous: 1 = NORMAL, 2 = FULL. */
async function synchronousOf(env: Record<string, string>): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tomo-sync-'));
  const dataSource = new DataSource(dataSourceOptions(loadWorkerConfig({ DATA_DIR: dataDir, ...env }, false).database));
  try {
    await dataSource.initialize();
    const [row] = (await dataSource.query('PRAGMA synchronous')) as Array<{
      synchronous: number;
    }>;
    return row.synchronous;
  } finally {
    await dataSource.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('SQLite durability setting', () => {
  it('commits with synchronous=FULL by default and NORMAL when SQLITE_SYNCHRONOUS says so', async () => {
    expect(await synchronousOf({})).toBe(2);
    expect(await synchronousOf({ SQLITE_SYNCHRONOUS: 'NORMAL' })).toBe(1);
    expect(() => loadWorkerConfig({ SQLITE_SYNCHRONOUS: 'OFF' }, false)).toThrow(
      'SQLITE_SYNCHRONOUS must be FULL or NORMAL',
    );
  });
});
