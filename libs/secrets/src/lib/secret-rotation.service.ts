import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { EncryptedColumnRegistry } from './encrypted-column-registry';
import { addKeyToKeyFile, dropPreviousKeys, type Keyring, loadKeyring } from './keyring';
import { SecretBox } from './secret-box';

export interface RotationReport {
  source: Keyring['source'];
  keyVersion: string;
  reencrypted: number;
}

/**
 * Re-encrypts every registered ciphertext under the current key.
 *
 * With the key file: a new key is put first in the file, everything is re-encrypted, then the
 * old keys are dropped; a run that stopped half-way is finished by the next one. With
 * TOMO_MASTER_KEY: the operator sets the new master key and the old one in
 * TOMO_MASTER_KEY_PREVIOUS, runs this, then removes TOMO_MASTER_KEY_PREVIOUS.
 */
@Injectable()
export class SecretRotationService {
  constructor(
    @Inject(TOMO_CONFIG) private readonly config: CommonConfig,
    private readonly registry: EncryptedColumnRegistry,
    private readonly dataSource: DataSource,
  ) {}

  async rotate(): Promise<RotationReport> {
    let keyring = loadKeyring(this.config);
    if (keyring.source === 'key-file' && keyring.previous.length === 0) {
      addKeyToKeyFile(this.config.dataDir);
      keyring = loadKeyring(this.config);
    }
    const box = new SecretBox(keyring.current, keyring.previous);
    let reencrypted = 0;
    for (const { table, primaryKey, columns } of this.registry.list()) {
      const rows: Record<string, unknown>[] = await this.dataSource
        .createQueryBuilder()
        .select([primaryKey, ...columns].map((column) => this.dataSource.driver.escape(column)))
        .from(table, table)
        .getRawMany();
      for (const row of rows) {
        const changes: Record<string, string> = {};
        for (const column of columns) {
          const value = row[column];
          if (typeof value === 'string' && !box.isCurrent(value)) changes[column] = box.reencrypt(value);
        }
        if (Object.keys(changes).length === 0) continue;
        await this.dataSource
          .createQueryBuilder()
          .update(table)
          .set(changes)
          .where(`${this.dataSource.driver.escape(primaryKey)} = :id`, { id: row[primaryKey] })
          .execute();
        reencrypted += Object.keys(changes).length;
      }
    }
    if (keyring.source === 'key-file') dropPreviousKeys(this.config.dataDir);
    return { source: keyring.source, keyVersion: keyring.current.version, reencrypted };
  }
}
