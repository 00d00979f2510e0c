import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { createPostgresTestDatabase, gql, signIn, startTestApi } from '@tomo/testing';
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
    [
      ['user:create', '--username', 'x', '--role', 'ROOT'],
      'tomo: --role must be ADMIN, OPERATOR or VIEWER (got "ROOT")',
    ],
    [['user:create', '--username', 'x', '--colour', 'red'], "tomo: Unknown option '--colour'"],
    [['token:create', '--username', 'root'], 'tomo: --name is required'],
    [
      ['token:create', '--username', 'root', '--name', 'n', '--expires-in-days', 'soon'],
      'tomo: --expires-in-days must be a whole number (got "soon")',
    ],
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

    const admin = tomo(
      ['user:create', '--username', 'root', '--role', 'ADMIN'],
      dataDir,
      'correct horse battery staple\n',
    );
    expect(admin.code).toBe(0);
    expect(admin.stdout).toMatch(/^Created ADMIN root \([0-9a-f-]{36}\)\n$/);
    expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);

    const passwordFile = join(dataDir, 'operator-password');
    writeFileSync(passwordFile, 'an operator passphrase here\n', { mode: 0o600 });
    const operator = tomo(
      ['user:create', '--username', 'olga', '--role', 'operator', '--password-file', passwordFile],
      dataDir,
    );
    expect(operator).toMatchObject({ code: 0, stdout: expect.stringContaining('Created OPERATOR olga') });
    expect(tomo(['user:create', '--username', 'root'], dataDir, 'another long passphrase\n').stderr).toContain(
      'tomo: A user named root already exists',
    );

    const token = tomo(
      ['token:create', '--username', 'root', '--name', 'backup script', '--role', 'VIEWER', '--expires-in-days', '7'],
      dataDir,
    );
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^tomo_[A-Za-z0-9_-]{43}\n$/);

    const api = await startTestApi((config) => AppModule.forRoot(config), { DATA_DIR: dataDir });
    try {
      expect((await gql(api.graphqlUrl, '{ setupRequired }')).data).toEqual({ setupRequired: false });
      const me = await gql(api.graphqlUrl, '{ me { username role } }', {}, token.stdout.trim());
      expect(me.data).toEqual({ me: { username: 'root', role: 'ADMIN' } });
      const tokens = await gql<{ apiTokens: { name: string; role: string }[] }>(
        api.graphqlUrl,
        '{ apiTokens { name role } }',
        {},
        token.stdout.trim(),
      );
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

  it('resets a password: the old one and every session and API token of the user stop working', async () => {
    const token = tomo(['token:create', '--username', 'root', '--name', 'before the reset'], dataDir).stdout.trim();
    // The API runs only while no CLI command does: spawnSync would stall its event loop (and its keep-alive sockets).
    const withApi = async <T>(run: (graphqlUrl: string) => Promise<T>): Promise<T> => {
      const api = await startTestApi((config) => AppModule.forRoot(config), { DATA_DIR: dataDir });
      try {
        return await run(api.graphqlUrl);
      } finally {
        await api.close();
      }
    };
    const login = (graphqlUrl: string, password: string) =>
      gql<{ login: { token: string } }>(
        graphqlUrl,
        'mutation($input: LoginInput!) { login(input: $input) { token } }',
        {
          input: { username: 'root', password },
        },
      );
    const me = (graphqlUrl: string, credential: string) => gql(graphqlUrl, '{ me { username } }', {}, credential);
    const session = await withApi(async (url) => {
      const signedIn = await signIn(url, { username: 'root', password: 'correct horse battery staple' });
      expect((await me(url, signedIn)).data).toEqual({ me: { username: 'root' } });
      expect((await me(url, token)).data).toEqual({ me: { username: 'root' } });
      return signedIn;
    });

    expect(tomo(['user:reset-password'], dataDir)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('tomo: --username is required'),
    });
    expect(tomo(['user:reset-password', '--username', 'nobody'], dataDir, 'a brand new passphrase\n').stderr).toContain(
      'tomo: no user named nobody',
    );
    expect(tomo(['user:reset-password', '--username', 'root'], dataDir, 'password1234\n').stderr).toMatch(
      /tomo: password is too common/,
    );
    const reset = tomo(['user:reset-password', '--username', 'root'], dataDir, 'a brand new passphrase\n');
    expect(reset).toMatchObject({
      code: 0,
      stdout: 'Reset the password of ADMIN root; their sessions and API tokens have ended\n',
    });

    await withApi(async (url) => {
      for (const credential of [session, token]) {
        expect((await me(url, credential)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      }
      expect((await login(url, 'correct horse battery staple')).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect((await login(url, 'a brand new passphrase')).data?.login.token).toEqual(expect.any(String));
    });
  });

  it('creates the SQLite file readable by its owner only', () => {
    expect(statSync(join(dataDir, 'tomo.sqlite')).mode & 0o777).toBe(0o600);
  });

  it('rotates the key file', () => {
    const before = readFileSync(join(dataDir, 'master.key'), 'utf8');
    const rotate = tomo(['secrets:rotate'], dataDir);
    expect(rotate.code).toBe(0);
    expect(rotate.stdout).toMatch(
      /^Secrets now use key version [0-9a-f]{8} \(key-file\); re-encrypted 0 value\(s\)\n$/,
    );
    const after = readFileSync(join(dataDir, 'master.key'), 'utf8');
    expect(after).not.toBe(before);
    expect(after.trim().split('\n')).toHaveLength(1);
    expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
  });
});

describe.each(['sqlite', 'postgres'] as const)('npm run tomo -- db:backup / db:restore on %s', (kind) => {
  let dataDir: string;
  let env: Record<string, string> = {};
  let postgres: { url: string; drop(): Promise<void> } | null = null;

  /** Usernames in the database the CLI works on. */
  const usernames = async (): Promise<string[]> => {
    if (postgres) {
      const db = await new DataSource({ type: 'postgres', url: postgres.url }).initialize();
      try {
        return ((await db.query('SELECT username FROM user_account ORDER BY username')) as { username: string }[]).map(
          (row) => row.username,
        );
      } finally {
        await db.destroy();
      }
    }
    const db = new Database(join(dataDir, 'tomo.sqlite'), { readonly: true });
    try {
      return (db.prepare('SELECT username FROM user_account ORDER BY username').all() as { username: string }[]).map(
        (row) => row.username,
      );
    } finally {
      db.close();
    }
  };
  const createUser = (username: string) => {
    const result = tomo(
      ['user:create', '--username', username, '--role', 'VIEWER'],
      dataDir,
      'plain sailing on quiet water\n',
      env,
    );
    expect(result.code).toBe(0);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `tomo-cli-backup-${kind}-`));
    if (kind === 'postgres') {
      postgres = await createPostgresTestDatabase();
      env = { DATABASE_URL: postgres.url };
    }
  });
  afterAll(async () => {
    await postgres?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('backs up, restores the backup (keeping what was there in a backup of its own), and refuses to overwrite a file', async () => {
    createUser('alice');
    const file = join(dataDir, 'elsewhere', kind === 'sqlite' ? 'first.sqlite' : 'first.dump');
    const backup = tomo(['db:backup', '--out', file], dataDir, '', env);
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain(`Backed up the database to ${file}`);
    expect(backup.stdout).toContain('Keep the master key too');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = readFileSync(file);
    const overwrite = tomo(['db:backup', '--out', file], dataDir, '', env);
    expect(overwrite.code).toBe(1);
    expect(overwrite.stderr.trim()).toBe(`tomo: ${file} already exists: name another file`);
    expect(readFileSync(file).equals(written)).toBe(true);

    createUser('bob');
    expect(await usernames()).toEqual(['alice', 'bob']);
    const restore = tomo(['db:restore', file], dataDir, '', env);
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain(`Restored the database from ${file}`);
    expect(await usernames()).toEqual(['alice']);

    // Nothing is lost: what the database held before is a backup that restores like any other.
    const previous = /What it held before is in (\S+)/.exec(restore.stdout)?.[1] ?? '';
    expect(previous.startsWith(join(dataDir, 'backups', 'before-restore-'))).toBe(true);
    expect(tomo(['db:restore', previous], dataDir, '', env).code).toBe(0);
    expect(await usernames()).toEqual(['alice', 'bob']);

    // The default place: DATA_DIR/backups.
    const defaulted = tomo(['db:backup'], dataDir, '', env);
    expect(defaulted.stdout).toMatch(
      new RegExp(`to ${join(dataDir, 'backups', 'tomo-')}\\d{8}-\\d{6}(-\\d+)?\\.(sqlite|dump) `),
    );
  });

  it('refuses what is not a backup it can restore, naming the problem, and leaves the database as it was', () => {
    const notADatabase = join(dataDir, 'notes.txt');
    writeFileSync(notADatabase, 'hello, not a database\n');
    const cases: [string[], RegExp][] = [
      [['db:restore'], /^tomo: name the backup file to restore \(usage: db:restore FILE\)$/],
      [['db:restore', join(dataDir, 'missing.sqlite')], /^tomo: \S+missing\.sqlite does not exist$/],
      [
        ['db:restore', notADatabase],
        kind === 'sqlite'
          ? /^tomo: \S+notes\.txt is not a SQLite database/
          : /^tomo: \S+notes\.txt is not a pg_dump archive/,
      ],
    ];
    if (kind === 'sqlite') {
      const foreign = join(dataDir, 'foreign.sqlite');
      const other = new Database(foreign);
      other.exec('CREATE TABLE notes (text TEXT)');
      other.close();
      cases.push([
        ['db:restore', foreign],
        /^tomo: \S+foreign\.sqlite is not a Tomo database \(it has no migrations table\)$/,
      ]);
      cases.push([
        ['db:restore', join(dataDir, 'tomo.sqlite')],
        /^tomo: \S+tomo\.sqlite is the database itself: name a backup file$/,
      ]);
      const newer = join(dataDir, 'newer.sqlite');
      expect(tomo(['db:backup', '--out', newer], dataDir, '', env).code).toBe(0);
      const future = new Database(newer);
      future
        .prepare('INSERT INTO migrations (timestamp, name) VALUES (?, ?)')
        .run(9_999_999_999_999, 'FromTheFuture9999999999999');
      future.close();
      cases.push([
        ['db:restore', newer],
        /^tomo: \S+newer\.sqlite comes from a newer Tomo \(migrations this version does not know: FromTheFuture9999999999999\)$/,
      ]);
    }
    for (const [args, message] of cases) {
      const result = tomo(args, dataDir, '', env);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n').at(-1)).toMatch(message);
    }
    return expect(usernames()).resolves.toEqual(['alice', 'bob']);
  });
});
