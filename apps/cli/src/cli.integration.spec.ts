import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gql, startTestApi } from '@tomo/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the test boots the real API on the data the CLI wrote
import { AppModule } from '../../api/src/app/app.module';

const ROOT = resolve(__dirname, '../../..');

/** Runs `npm run tomo -- <args>` the way a person does (tools/scripts/tomo.mjs builds the CLI if needed). */
function tomo(args: string[], dataDir: string, stdin = '', env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(ROOT, 'tools/scripts/tomo.mjs'), ...args], {
    cwd: ROOT,
    input: stdin,
    encoding: 'utf8',
    env: { ...process.env, DATA_DIR: dataDir, ...env },
    timeout: 300_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run tomo (the command line)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tomo-cli-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    [['user:create', '--role', 'ADMIN'], 'tomo: --username is required'],
    [['user:create', '--username', 'x', '--role', 'ROOT'], 'tomo: --role must be ADMIN, OPERATOR or VIEWER (got "ROOT")'],
    [['user:create', '--username', 'x', '--colour', 'red'], "tomo: Unknown option '--colour'"],
    [['token:create', '--username', 'root'], 'tomo: --name is required'],
    [['token:create', '--username', 'root', '--name', 'n', '--expires-in-days', 'soon'], 'tomo: --expires-in-days must be a whole number (got "soon")'],
    [['no:such-command'], 'tomo: unknown command "no:such-command"'],
  ])('refuses %j with one line and exit code 1', (args, line) => {
    const result = tomo(args, dataDir);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').at(-1)).toContain(line);
    expect(result.stdout).toBe('');
  });

  it('refuses bad configuration and a weak password with one line', () => {
    const config = tomo(['db:migrate'], dataDir, '', { TOMO_MASTER_KEY: 'short' });
    expect(config.code).toBe(1);
    expect(config.stderr.trim()).toBe('tomo: Invalid configuration: TOMO_MASTER_KEY must be at least 16 characters');
    const weak = tomo(['user:create', '--username', 'root', '--role', 'ADMIN'], dataDir, 'password1234\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr.trim().split('\n').at(-1)).toMatch(/^tomo: password is too common/);
  });

  it('creates the admin headless, then a token that the API accepts', async () => {
    const migrate = tomo(['db:migrate'], dataDir);
    expect(migrate).toMatchObject({ code: 0, stdout: 'Database schema is up to date\n' });

    const admin = tomo(['user:create', '--username', 'root', '--role', 'ADMIN'], dataDir, 'correct horse battery staple\n');
    expect(admin.code).toBe(0);
    expect(admin.stdout).toMatch(/^Created ADMIN root \([0-9a-f-]{36}\)\n$/);
    expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);

    const passwordFile = join(dataDir, 'operator-password');
    writeFileSync(passwordFile, 'an operator passphrase here\n', { mode: 0o600 });
    const operator = tomo(['user:create', '--username', 'olga', '--role', 'operator', '--password-file', passwordFile], dataDir);
    expect(operator).toMatchObject({ code: 0, stdout: expect.stringContaining('Created OPERATOR olga') });
    expect(tomo(['user:create', '--username', 'root'], dataDir, 'another long passphrase\n').stderr).toContain(
      'tomo: A user named root already exists',
    );

    const token = tomo(['token:create', '--username', 'root', '--name', 'backup script', '--role', 'VIEWER', '--expires-in-days', '7'], dataDir);
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^tomo_[A-Za-z0-9_-]{43}\n$/);

    const api = await startTestApi((config) => AppModule.forRoot(config), { DATA_DIR: dataDir });
    try {
      expect((await gql(api.graphqlUrl, '{ setupRequired }')).data).toEqual({ setupRequired: false });
      const me = await gql(api.graphqlUrl, '{ me { username role } }', {}, token.stdout.trim());
      expect(me.data).toEqual({ me: { username: 'root', role: 'ADMIN' } });
      const tokens = await gql<{ apiTokens: { name: string; role: string }[] }>(api.graphqlUrl, '{ apiTokens { name role } }', {}, token.stdout.trim());
      expect(tokens.data?.apiTokens).toEqual([{ name: 'backup script', role: 'VIEWER' }]);
      const login = await gql(
        api.graphqlUrl,
        'mutation { login(input: { username: "olga", password: "an operator passphrase here" }) { user { role } } }',
      );
      expect(login.data).toEqual({ login: { user: { role: 'OPERATOR' } } });
    } finally {
      await api.close();
    }
  });

  it('rotates the key file', () => {
    const before = readFileSync(join(dataDir, 'master.key'), 'utf8');
    const rotate = tomo(['secrets:rotate'], dataDir);
    expect(rotate.code).toBe(0);
    expect(rotate.stdout).toMatch(/^Secrets now use key version [0-9a-f]{8} \(key-file\); re-encrypted 0 value\(s\)\n$/);
    const after = readFileSync(join(dataDir, 'master.key'), 'utf8');
    expect(after).not.toBe(before);
    expect(after.trim().split('\n')).toHaveLength(1);
    expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
  });
});
