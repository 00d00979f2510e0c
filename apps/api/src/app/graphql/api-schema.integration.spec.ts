import { readFileSync } from 'node:fs';
import { startTestApi, type TestApi } from '@tomo/testing';
import { AppModule } from '../app.module';
import { printApiSchema, SCHEMA_FILE } from './api-schema';

describe('schema.graphql', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi((config) => AppModule.forRoot(config));
  });

  afterAll(async () => {
    await api.close();
  });

  it('is the schema the API serves (run `npm run schema` after changing the API)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printApiSchema(api.app));
  });
});
