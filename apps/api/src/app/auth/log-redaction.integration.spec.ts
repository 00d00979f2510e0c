import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deleteRedisKeys, gql, randomRedisPrefix, setupAdmin, signIn, TEST_REDIS_URL } from '@tomo/testing';

const ROOT = resolve(__dirname, '../../../../..');
const MAIN = join(ROOT, 'dist/apps/api/main.js');
const PASSWORD = 'correct horse battery staple';

/**
 * The built API, as deployed, with JSON logs captured from its stdout: no password, session JWT
 * or API token may appear in them, whatever the request carried (body, header or cookie).
 */
describe('logs of the running API', () => {
  let api: ChildProcess;
  let output = '';
  let dataDir: string;
  const prefix = randomRedisPrefix('logs');
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const url = `http://127.0.0.1:${port}/graphql`;

  beforeAll(async () => {
    if (!existsSync(MAIN)) {
      const build = spawnSync('npx', ['nx', 'build', 'api', '--output-style=static'], {
        cwd: ROOT,
        stdio: 'inherit',
        env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', NX_TUI: 'false' },
      });
      if (build.status !== 0) throw new Error('npx nx build api failed');
    }
    dataDir = mkdtempSync(join(tmpdir(), 'tomo-logs-'));
    api = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        REDIS_URL: TEST_REDIS_URL,
        TOMO_REDIS_PREFIX: prefix,
        LOG_LEVEL: 'info',
        LOG_PRETTY: 'false',
        WEB_DIST_DIR: join(dataDir, 'no-console'),
      },
    });
    api.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    api.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const deadline = Date.now() + 60_000;
    while (!output.includes('Tomo API listening')) {
      if (Date.now() > deadline || api.exitCode !== null) throw new Error(`the API did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    if (api && api.exitCode === null) {
      const exited = new Promise((r) => api.once('exit', r));
      api.kill('SIGTERM');
      await exited;
    }
    await deleteRedisKeys(prefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('never contain passwords, session tokens or API tokens', async () => {
    const setupToken = await setupAdmin(url, { username: 'admin', password: PASSWORD });
    const jwt = await signIn(url, { username: 'admin', password: PASSWORD });
    expect(jwt).not.toBe('');
    const created = await gql<{ createApiToken: { token: string } }>(
      url,
      'mutation { createApiToken(input: { name: "logs" }) { token } }',
      {},
      jwt,
    );
    const apiToken = created.data?.createApiToken.token ?? '';
    expect(apiToken).toMatch(/^tomo_/);
    await gql(url, '{ me { id } }', {}, apiToken);
    await gql(url, '{ me { id } }', {}, { headers: { cookie: `tomo_session=${jwt}`, 'x-tomo-csrf': '1' } });
    await gql(url, 'mutation { login(input: { username: "admin", password: "wrong but secret words" }) { token } }');
    await new Promise((r) => setTimeout(r, 500));

    const lines = output.split('\n').filter((line) => line.includes('"url":"/graphql"'));
    expect(lines.length).toBeGreaterThanOrEqual(6);
    expect(output).toContain('"authorization":"[redacted]"');
    expect(output).toContain('"cookie":"[redacted]"');
    for (const secret of [PASSWORD, 'wrong but secret words', jwt, setupToken, apiToken, apiToken.slice(5)]) {
      expect(output).not.toContain(secret);
    }
  });
});
