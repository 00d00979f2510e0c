import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import {
  deleteRedisKeys,
  gql,
  randomRedisPrefix,
  readTestbed,
  setupAdmin,
  TEST_REDIS_URL,
  type TestbedState,
  waitFor,
} from '@tomo/testing';

const ROOT = resolve(__dirname, '../../../../..');
const ADMIN = { username: 'admin', password: 'correct horse battery staple' };

interface Running {
  child: ChildProcess;
  output: () => string;
}

/** A Tomo process from source (TypeScript through swc), its stdout and stderr captured. */
async function startProcess(main: string, env: Record<string, string>, readyLine: string): Promise<Running> {
  let output = '';
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(ROOT, main)], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...env,
      SWC_NODE_PROJECT: join(ROOT, 'tsconfig.base.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`${main} exited (${child.exitCode}):\n${output}`);
      return output.includes(readyLine);
    },
    `${main} to start`,
    120_000,
    100,
  );
  return { child, output: () => output };
}

async function stopProcess(running: Running | undefined): Promise<void> {
  const child = running?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

/** Every value under the prefix, whatever its type, as text. */
async function redisDump(redis: Redis, prefix: string): Promise<{ keys: number; text: string }> {
  const parts: string[] = [];
  let keys = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    for (const key of batch) {
      keys += 1;
      parts.push(key);
      const type = await redis.type(key);
      switch (type) {
        case 'string':
          parts.push((await redis.getBuffer(key))?.toString('latin1') ?? '');
          break;
        case 'hash':
          parts.push(JSON.stringify(await redis.hgetall(key)));
          break;
        case 'list':
          parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
          break;
        case 'set':
          parts.push(JSON.stringify(await redis.smembers(key)));
          break;
        case 'zset':
          parts.push(JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES')));
          break;
        case 'stream':
          parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
          break;
        default:
          parts.push(`<${type}>`);
      }
    }
  } while (cursor !== '0');
  return { keys, text: parts.join('\n') };
}

/** Every file of the data directory (SQLite file, WAL, key file excluded by the caller), as latin1 text. */
function filesOf(dir: string): { name: string; text: string }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory())
      return filesOf(path).map((file) => ({
        ...file,
        name: `${name}/${file.name}`,
      }));
    return [{ name, text: readFileSync(path).toString('latin1') }];
  });
}

/**
 * The real API and worker processes (from source, LOG_LEVEL=debug, JSON logs captured) add a
 * server with a password and one with a passphrase-protected key, test them, fail a request
 * that carries the secrets: then no secret is found in the SQLite files, in any Redis value
 * under the run's prefix, or in either process's log output.
 */
describe('server credentials never leak', () => {
  let testbed: TestbedState;
  let dataDir: string;
  let api: Running | undefined;
  let worker: Running | undefined;
  const prefix = randomRedisPrefix('secrets');
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const url = `http://127.0.0.1:${port}/graphql`;

  beforeAll(async () => {
    testbed = readTestbed();
    dataDir = mkdtempSync(join(tmpdir(), 'tomo-secrets-'));
    const env = {
      DATA_DIR: dataDir,
      REDIS_URL: TEST_REDIS_URL,
      TOMO_REDIS_PREFIX: prefix,
      LOG_LEVEL: 'debug',
      LOG_PRETTY: 'false',
    };
    api = await startProcess(
      'apps/api/src/main.ts',
      { ...env, PORT: String(port), WEB_DIST_DIR: join(dataDir, 'no-console') },
      'Tomo API listening',
    );
    worker = await startProcess('apps/worker/src/main.ts', env, 'Tomo worker started');
  }, 240_000);

  afterAll(async () => {
    await stopProcess(worker);
    await stopProcess(api);
    await deleteRedisKeys(prefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds no password, private key or passphrase in the database, Redis or the logs', async () => {
    const privateKey = readFileSync(testbed.ssh.encryptedKeyPath, 'utf8');
    const secrets = [
      testbed.ssh.password,
      testbed.ssh.passphrase,
      // Every line of the key's body: no part of it may show up anywhere.
      ...privateKey
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.length >= 16 && !line.startsWith('-----')),
    ];
    expect(secrets.length).toBeGreaterThan(4);

    const token = await setupAdmin(url, ADMIN);
    const ADD = 'mutation($input: AddServerInput!) { addServer(input: $input) { id } }';
    const common = {
      host: testbed.ssh.host,
      port: testbed.ssh.port,
      username: testbed.ssh.username,
    };
    const added = await Promise.all([
      gql<{ addServer: { id: string } }>(
        url,
        ADD,
        {
          input: {
            ...common,
            name: 'with-password',
            authType: 'PASSWORD',
            password: testbed.ssh.password,
          },
        },
        token,
      ),
      gql<{ addServer: { id: string } }>(
        url,
        ADD,
        {
          input: {
            ...common,
            name: 'with-key',
            authType: 'KEY',
            privateKey,
            passphrase: testbed.ssh.passphrase,
          },
        },
        token,
      ),
    ]);
    const ids = added.map((result) => {
      expect(result.errors).toBeUndefined();
      return result.data?.addServer.id ?? '';
    });
    // Refused requests that carry the secrets (their error paths log too).
    const refused = await gql(
      url,
      ADD,
      {
        input: {
          ...common,
          port: 0,
          name: 'refused',
          authType: 'KEY',
          privateKey,
          passphrase: testbed.ssh.passphrase,
        },
      },
      token,
    );
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const wrong = await gql(
      url,
      ADD,
      {
        input: {
          ...common,
          name: 'wrong',
          authType: 'KEY',
          privateKey,
          passphrase: `${testbed.ssh.password}x`,
        },
      },
      token,
    );
    expect(wrong.errors?.[0].message).toMatch(/wrong passphrase/);

    const statuses = () =>
      gql<{ servers: { id: string; status: string }[] }>(url, '{ servers { id status } }', {}, token).then(
        (r) => r.data?.servers ?? [],
      );
    await waitFor(
      async () => (await statuses()).filter((s) => ids.includes(s.id) && s.status === 'ONLINE').length === 2,
      'both servers ONLINE',
      60_000,
      200,
    );
    for (const id of ids) {
      await gql(url, 'mutation($id: ID!) { testConnection(serverId: $id) { id } }', { id }, token);
    }
    await waitFor(
      async () => {
        const result = await gql<{
          jobs: { edges: { node: { status: string } }[] };
        }>(url, '{ jobs(first: 50) { edges { node { status } } } }', {}, token);
        const edges = result.data?.jobs.edges ?? [];
        return (
          edges.length >= 4 && edges.every((edge) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(edge.node.status))
        );
      },
      'every job to finish',
      60_000,
      200,
    );
    await new Promise((done) => setTimeout(done, 500)); // let the log lines out

    // The key file holds the master key, not a credential; everything else is scanned.
    const files = filesOf(dataDir).filter((file) => !/master|\.key$/.test(file.name));
    expect(files.map((file) => file.name)).toEqual(expect.arrayContaining(['tomo.sqlite']));
    expect(files.map((file) => file.text).join('')).toContain('tomo1.'); // the ciphertexts are there (file or WAL)
    const redis = new Redis(TEST_REDIS_URL);
    const dump = await redisDump(redis, prefix).finally(() => redis.quit());
    expect(dump.keys).toBeGreaterThan(0);
    const logs = `${api?.output() ?? ''}\n${worker?.output() ?? ''}`;
    expect(logs).toContain('"level"'); // JSON lines were captured
    expect(logs.split('\n').length).toBeGreaterThan(20);

    // Controls: each scan does see this run's data.
    expect(files.map((file) => file.text).join('')).toContain('with-key');
    expect(dump.text).toContain('server.test-connection');
    expect(logs).toContain('"url":"/graphql"');

    for (const secret of secrets) {
      for (const file of files)
        expect({ where: file.name, found: file.text.includes(secret) }).toEqual({ where: file.name, found: false });
      expect({ where: 'redis', found: dump.text.includes(secret) }).toEqual({
        where: 'redis',
        found: false,
      });
      expect({ where: 'logs', found: logs.includes(secret) }).toEqual({
        where: 'logs',
        found: false,
      });
    }
  });
});
