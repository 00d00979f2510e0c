import { Injectable } from '@nestjs/common';

/** Columns of one table that hold SecretBox ciphertexts (or NULL). */
export interface EncryptedColumns {
  table: string;
  primaryKey: string;
  columns: string[];
}

/**
 * Where ciphertexts live, so `secrets:rotate` can re-encrypt all of them. A feature module that
 * stores secrets registers its columns in `onModuleInit`.
 */
@Injectable()
export class EncryptedColumnRegistry {
  private readonly entries: EncryptedColumns[] = [];

  register(columns: EncryptedColumns): void {
    if (!this.entries.some((entry) => entry.table === columns.table)) this.entries.push(columns);
  }

  list(): readonly EncryptedColumns[] {
    return this.entries;
  }
}
