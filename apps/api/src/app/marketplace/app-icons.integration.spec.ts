import { getRepositoryToken } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { MarketplaceAppIconEntity, MarketplaceService } from '@tomo/marketplace';
import { gql, setupAdmin, startTestApi, type TestApi } from '@tomo/testing';
import { AppModule } from '../app.module';

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** `/icons/<repository>/<app>`: the console loads app icons from Tomo only (libs/marketplace tests the downloads). */
describe('app icons served by the API', () => {
  let api: TestApi;
  let token: string;

  beforeAll(async () => {
    api = await startTestApi(AppModule.forRoot);
    await api.app.get(MarketplaceService).loadBuiltInCatalog();
    token = await setupAdmin(api, { username: 'admin', password: 'correct horse battery staple' });
    // What a sync stores for an icon it downloaded.
    const icons = api.app.get<Repository<MarketplaceAppIconEntity>>(getRepositoryToken(MarketplaceAppIconEntity));
    await icons.insert({
      appId: 'builtin/whoami',
      sourceUrl: 'https://example.invalid/whoami.png',
      contentType: 'image/png',
      data: PNG.toString('base64'),
      fetchedAt: new Date(),
    });
  });
  afterAll(() => api?.close());

  it('exposes the local URL on App, never the catalog host', async () => {
    const result = await gql<{ apps: { id: string; iconUrl: string }[] }>(
      api.graphqlUrl,
      '{ apps { id iconUrl } }',
      {},
      token,
    );
    expect(result.errors).toBeUndefined();
    for (const app of result.data?.apps ?? []) expect(app.iconUrl).toBe(`/icons/${app.id}`);
    expect(result.data?.apps.map((app) => app.id)).toContain('builtin/whoami');
  });

  it('serves a stored icon without authentication, as an image the browser will not sniff or run', async () => {
    const response = await fetch(`${api.url}/icons/builtin/whoami`, { headers: { accept: 'image/*,*/*' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(PNG);
  });

  it('serves the placeholder for an app without a downloaded icon and for an unknown app', async () => {
    for (const path of ['/icons/builtin/caddy', '/icons/nowhere/nothing']) {
      const response = await fetch(`${api.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(response.headers.get('x-tomo-icon')).toBe('placeholder');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toMatch(/^<svg /);
    }
  });
});
