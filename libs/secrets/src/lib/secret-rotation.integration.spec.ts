import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadApiConfig } from '@tomo/config';
import { EncryptedColumnRegistry } from './encrypted-column-registry';
import { keyFilePath, loadKeyring } from './keyring';
import { SecretBox } from './secret-box';
import { SecretRotationService } from './secret-rotation.service';

describe('secrets:rotate on a real SQLite database', () => {
  let dataDir: string;
  let dataSource: DataSource;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tomo-rotate-'));
    dataSource = new DataSource({ type: 'better-sqlite3', database: join(dataDir, 'tomo.sqlite') });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE server_probe (id varchar PRIMARY KEY, password text, "privateKey" text)');
  });
  afterEach(async () => {
    await dataSource.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const boxOf = (settings: Parameters<typeof loadKeyring>[0]) => {
    const ring = loadKeyring(settings);
    return new SecretBox(ring.current, ring.previous);
  };

  it('re-encrypts every registered column under a new key file key and drops the old key', async () => {
    const config = loadApiConfig({ DATA_DIR: dataDir }, false);
    const oldBox = boxOf(config);
    const rows = [
      ['a', oldBox.encrypt('ssh password a'), oldBox.encrypt('-----BEGIN KEY a')],
      ['b', oldBox.encrypt('ssh password b'), null],
    ];
    for (const row of rows) await dataSource.query('INSERT INTO server_probe VALUES (?, ?, ?)', row);
    const registry = new EncryptedColumnRegistry();
    registry.register({ table: 'server_probe', primaryKey: 'id', columns: ['password', 'privateKey'] });

    const report = await new SecretRotationService(config, registry, dataSource).rotate();

    expect(report).toEqual({
      source: 'key-file',
      keyVersion: expect.not.stringMatching(oldBox.currentKeyVersion),
      reencrypted: 3,
    });
    expect(readFileSync(keyFilePath(dataDir), 'utf8').trim().split('\n')).toHaveLength(1);
    const newBox = boxOf(config);
    expect(newBox.currentKeyVersion).toBe(report.keyVersion);
    const stored: { id: string; password: string; privateKey: string | null }[] = await dataSource.query(
      'SELECT * FROM server_probe ORDER BY id',
    );
    expect(
      stored.map((row) => [newBox.decrypt(row.password), row.privateKey && newBox.decrypt(row.privateKey)]),
    ).toEqual([
      ['ssh password a', '-----BEGIN KEY a'],
      ['ssh password b', null],
    ]);
    expect(() => oldBox.decrypt(stored[0].password)).toThrow(/key version/);
  });

  it('moves ciphertexts from TOMO_MASTER_KEY_PREVIOUS to the new TOMO_MASTER_KEY', async () => {
    const before = loadApiConfig({ DATA_DIR: dataDir, TOMO_MASTER_KEY: 'the old master key!' }, false);
    const oldBox = boxOf(before);
    await dataSource.query('INSERT INTO server_probe VALUES (?, ?, ?)', ['a', oldBox.encrypt('pw'), null]);
    const registry = new EncryptedColumnRegistry();
    registry.register({ table: 'server_probe', primaryKey: 'id', columns: ['password', 'privateKey'] });

    const withoutPrevious = loadApiConfig({ DATA_DIR: dataDir, TOMO_MASTER_KEY: 'the new master key!' }, false);
    await expect(new SecretRotationService(withoutPrevious, registry, dataSource).rotate()).rejects.toThrow(
      /which this process does not have/,
    );

    const after = loadApiConfig(
      { DATA_DIR: dataDir, TOMO_MASTER_KEY: 'the new master key!', TOMO_MASTER_KEY_PREVIOUS: 'the old master key!' },
      false,
    );
    const report = await new SecretRotationService(after, registry, dataSource).rotate();
    expect(report).toMatchObject({ source: 'master-key', reencrypted: 1 });
    const [row]: { password: string }[] = await dataSource.query('SELECT password FROM server_probe');
    expect(boxOf(withoutPrevious).decrypt(row.password)).toBe('pw');
  });
});
