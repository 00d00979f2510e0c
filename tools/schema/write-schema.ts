/**
 * `npm run schema`: boots the API module (temp DATA_DIR, own Redis prefix, as the tests do) and
 * writes the schema it serves to `schema.graphql`, which the console's codegen reads.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { startTestApi } from '@tomo/testing';
import { printApiSchema, SCHEMA_FILE } from '../../apps/api/src/app/graphql/api-schema';
import { AppModule } from '../../apps/api/src/app/app.module';

async function main(): Promise<void> {
  const api = await startTestApi((config) => AppModule.forRoot(config));
  try {
    writeFileSync(SCHEMA_FILE, printApiSchema(api.app));
    process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  } finally {
    await api.close();
  }
}

void main();
