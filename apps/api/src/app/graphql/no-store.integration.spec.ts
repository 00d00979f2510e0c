import { setupAdmin, startTestApi, type TestApi } from '@tomo/testing';
import { AppModule } from '../app.module';

/** Every GraphQL answer over HTTP is per caller: never stored by a browser or a proxy (no-store.plugin.ts). */
describe('GraphQL Cache-Control', () => {
  let api: TestApi;
  let token: string;

  beforeAll(async () => {
    api = await startTestApi(AppModule.forRoot);
    token = await setupAdmin(api, { username: 'admin', password: 'correct horse battery staple' });
  });
  afterAll(() => api?.close());

  const post = (query: string) =>
    fetch(api.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });

  it('answers no-store to a successful query, a failed one and an invalid one', async () => {
    const ok = await post('{ me { id } servers { id name } }');
    expect(((await ok.json()) as { errors?: unknown }).errors).toBeUndefined();
    expect(ok.headers.get('cache-control')).toBe('no-store');
    const notFound = await post('{ server(id: "nope") { id } }');
    expect(((await notFound.json()) as { errors?: unknown[] }).errors).toHaveLength(1);
    expect(notFound.headers.get('cache-control')).toBe('no-store');
    const invalid = await post('{ noSuchField }');
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('cache-control')).toBe('no-store');
  });
});
