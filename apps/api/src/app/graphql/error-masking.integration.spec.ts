import { DataSource } from 'typeorm';
import { errorCodes, gql, setupAdmin, startTestApi, type TestApi } from '@tomo/testing';
import { AppModule } from '../app.module';

/**
 * What an unexpected failure tells a client: a generic message and a request id, never the raw
 * message (here a real SQLite error naming the table and the file's internals).
 */
describe('GraphQL error masking', () => {
  let api: TestApi;
  let token: string;

  beforeAll(async () => {
    api = await startTestApi(AppModule.forRoot);
    token = await setupAdmin(api, { username: 'admin', password: 'correct horse battery staple' });
  });
  afterAll(() => api?.close());

  it('masks a database error behind a generic message with a request id', async () => {
    expect((await gql(api.graphqlUrl, '{ servers { id } }', {}, token)).errors).toBeUndefined();
    await api.app.get(DataSource).query('ALTER TABLE "server" RENAME TO "server_moved_by_test"');
    try {
      const result = await gql(api.graphqlUrl, '{ servers { id } }', {}, token);
      expect(errorCodes(result)).toEqual(['INTERNAL_SERVER_ERROR']);
      const [error] = result.errors ?? [];
      expect(error.message).toMatch(/^Internal server error \(request id [0-9a-f-]{36}\)$/);
      expect(JSON.stringify(result)).not.toMatch(/SQLITE|no such table|server_moved|QueryFailed|\.ts:/i);
      expect((error.extensions as { requestId?: string }).requestId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await api.app.get(DataSource).query('ALTER TABLE "server_moved_by_test" RENAME TO "server"');
    }
  });

  it('keeps the messages Tomo chose and graphql-js validation errors', async () => {
    const missing = await gql(api.graphqlUrl, 'query($id: ID!) { server(id: $id) { id } }', { id: 'nope' }, token);
    expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
    expect(missing.errors?.[0].message).toBe('Server nope does not exist');
    const invalid = await gql(api.graphqlUrl, '{ servers { noSuchField } }', {}, token);
    expect(errorCodes(invalid)).toEqual(['BAD_USER_INPUT']);
    expect(invalid.errors?.[0].message).toMatch(/noSuchField/);
  });
});
