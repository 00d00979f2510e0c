import { setupAdmin, signInNewUser, startTestApi, type TestApi } from '@tomo/testing';
import { AppModule } from '../app.module';

const ADMIN = {
  username: 'admin',
  password: 'inspects the queue without touching it',
};
const VIEWER = {
  username: 'vic',
  password: 'may look at jobs but not at the queue',
};

describe('the queue inspector (bull-board)', () => {
  let api: TestApi;
  let adminToken: string;
  let viewerToken: string;

  beforeAll(async () => {
    api = await startTestApi(AppModule.forRoot);
    adminToken = await setupAdmin(api, ADMIN);
    viewerToken = await signInNewUser(api, adminToken, { ...VIEWER, role: 'VIEWER' });
  });

  afterAll(() => api?.close());

  const get = (path: string, token?: string) =>
    fetch(`${api.url}/admin/queues${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('serves admins only, behind the same credentials as the API', async () => {
    expect((await get('')).status).toBe(401);
    expect((await get('', 'not-a-token')).status).toBe(401);
    expect((await get('', viewerToken)).status).toBe(403);
    const page = await get('', adminToken);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('lists the workflow queue in read-only mode and refuses every change', async () => {
    const queues = (await (await get('/api/queues', adminToken)).json()) as {
      queues: Array<{ name: string; readOnlyMode: boolean }>;
    };
    expect(queues.queues.map((q) => [q.name, q.readOnlyMode])).toEqual([['tomo-workflows', true]]);
    for (const [method, path] of [
      ['PUT', '/api/queues/tomo-workflows/retry/failed'],
      ['PUT', '/api/queues/tomo-workflows/clean/completed'],
      ['DELETE', '/api/queues/tomo-workflows/job-1'],
    ]) {
      const response = await fetch(`${api.url}/admin/queues${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(response.status).toBe(405);
    }
  });
});
