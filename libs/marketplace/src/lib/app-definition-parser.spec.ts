import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import appSchema from '../schema/app.schema.json';
import { type AppDefinition } from './app-definition';
import { parseAppDefinition, yamlNestingBound } from './app-definition-parser';
import { SAMPLE_MARKETPLACE_DIR } from './testing/sample-marketplace';

const FIXTURES = join(__dirname, '..', 'fixtures');

const yamlFiles = (dir: string) =>
  readdirSync(join(FIXTURES, dir))
    .filter((name) => name.endsWith('.yaml'))
    .sort();

function parseOk(text: string, file = 'app.yaml'): AppDefinition {
  const result = parseAppDefinition(text, file);
  if (!result.ok) throw new Error(result.errors.map((error) => error.message).join('\n'));
  return result.app;
}

describe('parseAppDefinition', () => {
  describe('golden fixtures', () => {
    it('has fixtures in both folders', () => {
      expect(yamlFiles('ok').length).toBeGreaterThanOrEqual(3);
      expect(yamlFiles('not-ok').length).toBeGreaterThanOrEqual(10);
    });

    it.each(yamlFiles('ok'))('accepts ok/%s', (name) => {
      const result = parseAppDefinition(readFileSync(join(FIXTURES, 'ok', name), 'utf8'), `ok/${name}`);
      expect(result).toEqual({ ok: true, app: expect.objectContaining({ id: 'example-app' }) });
    });

    // Each not-ok fixture names the errors it must produce in `# expect:` comments.
    it.each(yamlFiles('not-ok'))('rejects not-ok/%s with the expected error', (name) => {
      const text = readFileSync(join(FIXTURES, 'not-ok', name), 'utf8');
      const expected = [...text.matchAll(/^# expect: (.+)$/gm)].map((match) => match[1] ?? '');
      expect(expected.length).toBeGreaterThan(0);
      const result = parseAppDefinition(text, `apps/x/${name}`);
      if (result.ok) throw new Error(`not-ok/${name} was accepted`);
      for (const error of result.errors) {
        expect(error.file).toBe(`apps/x/${name}`);
        expect(error.message.startsWith(`apps/x/${name}: `)).toBe(true);
      }
      const messages = result.errors.map((error) => error.message);
      for (const part of expected) {
        expect(messages).toEqual(expect.arrayContaining([expect.stringContaining(`apps/x/${name}: ${part}`)]));
      }
    });
  });

  it('maps every field of the schema (ok/full.yaml)', () => {
    const app = parseOk(readFileSync(join(FIXTURES, 'ok', 'full.yaml'), 'utf8'));
    expect(app).toEqual<AppDefinition>({
      id: 'example-app',
      name: 'Example App',
      description: "An example app used by the parser's golden tests.",
      version: '1.0.0',
      category: 'utility',
      author: 'tomo',
      tags: ['example'],
      iconUrl: 'https://example.com/icon.svg',
      sourceUrl: 'https://github.com/example/example-app',
      documentationUrl: 'https://example.com/docs',
      maintainers: ['@tomo'],
      screenshots: [{ url: 'https://example.com/shot.png', alt: 'The main screen' }],
      featured: true,
      deprecated: true,
      image: { reference: 'example/app:1.2.3', registry: null, repository: 'example/app', tag: '1.2.3' },
      command: ['sh', '-c', 'echo "ready" && exec app --listen 0.0.0.0:8080'],
      commandLine: `sh -c 'echo "ready" && exec app --listen 0.0.0.0:8080'`,
      ports: [
        { container: 8080, host: 18080, protocol: 'tcp', description: 'Web UI' },
        { container: 5353, host: 5353, protocol: 'udp', description: 'Discovery' },
      ],
      volumes: [
        { container: '/data', host: './data', mode: 'rw', readOnly: false, description: 'Application data' },
        {
          container: '/config',
          host: '${CONFIG_DIR}/example',
          mode: 'ro',
          readOnly: true,
          description: 'Read-only configuration',
        },
      ],
      env: [
        { name: 'TZ', description: 'Timezone', required: false, defaultValue: 'UTC', secret: false },
        {
          name: 'ADMIN_PASSWORD',
          description: 'Password of the admin user',
          required: true,
          defaultValue: null,
          secret: true,
        },
        { name: 'LOG_LEVEL', description: 'Log verbosity', required: false, defaultValue: null, secret: false },
      ],
      network: { mode: 'bridge', networks: ['backend'] },
      restartPolicy: 'on-failure',
      capabilities: ['NET_ADMIN'],
      requirements: {
        memory: '128MB',
        memoryBytes: 128 * 1024 ** 2,
        cpus: 0.1,
        storage: '100MB',
        storageBytes: 100 * 1024 ** 2,
        architectures: [],
      },
      healthcheck: { protocol: 'tcp', path: null, port: 18080, intervalSeconds: 10, timeoutSeconds: 2, retries: 5 },
    });
  });

  it('applies the schema defaults (ok/minimal.yaml)', () => {
    const app = parseOk(readFileSync(join(FIXTURES, 'ok', 'minimal.yaml'), 'utf8'));
    expect(app).toMatchObject({
      command: null,
      commandLine: null,
      ports: [],
      volumes: [],
      env: [],
      network: { mode: 'bridge', networks: [] },
      restartPolicy: 'unless-stopped',
      capabilities: [],
      featured: false,
      deprecated: false,
      screenshots: [],
      healthcheck: null,
    });
  });

  it('reads host networking and defaults the health check (ok/host-network.yaml)', () => {
    const app = parseOk(readFileSync(join(FIXTURES, 'ok', 'host-network.yaml'), 'utf8'));
    expect(app.network).toEqual({ mode: 'host', networks: [] });
    expect(app.restartPolicy).toBe('no');
    expect(app.command).toEqual(['httpd', '-f', '-p', '18080']);
    expect(app.healthcheck).toEqual({
      protocol: 'http',
      path: '/health',
      port: 18080,
      intervalSeconds: 30,
      timeoutSeconds: 10,
      retries: 3,
    });
  });

  it('reads the four sample apps of the Tomo marketplace', () => {
    const dirs = ['monitoring/uptime-kuma', 'networking/pihole', 'utility/heimdall', 'utility/tomo-agent'];
    const apps = dirs.map((dir) =>
      parseOk(readFileSync(join(SAMPLE_MARKETPLACE_DIR, 'apps', dir, 'app.yaml'), 'utf8'), dir),
    );
    expect(apps.map((app) => app.id)).toEqual(['uptime-kuma', 'pihole', 'heimdall', 'tomo-agent']);
    const [, pihole, heimdall, agent] = apps;
    expect(heimdall?.image).toEqual({
      reference: 'lscr.io/linuxserver/heimdall:v2.6.3-ls283',
      registry: 'lscr.io',
      repository: 'lscr.io/linuxserver/heimdall',
      tag: 'v2.6.3-ls283',
    });
    expect(pihole?.env.find((variable) => variable.name === 'WEBPASSWORD')).toEqual({
      name: 'WEBPASSWORD',
      description: 'Admin password for web interface',
      required: true,
      defaultValue: null,
      secret: true,
    });
    expect(pihole?.healthcheck).toMatchObject({ protocol: 'http', path: '/admin', port: 8080 });
    expect(agent?.command).toEqual(['sleep', 'infinity']);
    expect(agent?.requirements).toMatchObject({ memoryBytes: 128 * 1024 ** 2, cpus: 0.1 });
  });

  it('reports every schema error of a file, not just the first', () => {
    const text = readFileSync(join(FIXTURES, 'ok', 'minimal.yaml'), 'utf8')
      .replace('id: example-app', 'id: Example_App')
      .replace('cpu: "0.1"', 'cpu: "32"');
    const result = parseAppDefinition(text, 'apps/utility/example/app.yaml');
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.map((error) => error.message)).toEqual([
      'apps/utility/example/app.yaml: /id must match pattern "^[a-z][a-z0-9-]{1,48}$"',
      'apps/utility/example/app.yaml: /requirements/cpu must match pattern "^(0\\.[1-9]|[1-9](\\.[0-9])?|1[0-6])$"',
    ]);
  });

  it('refuses files that are too large to be an app definition', () => {
    const result = parseAppDefinition(`# ${'x'.repeat(300 * 1024)}\n`, 'big.yaml');
    expect(result).toEqual({ ok: false, errors: [{ file: 'big.yaml', message: 'big.yaml: is larger than 256 KiB' }] });
  });

  it.each([
    ['flow sequences', `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`],
    ['flow mappings', `a: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`],
    ['block sequences', `a:\n${'- '.repeat(20_000)}x\n`],
    // Nested block mappings take a line and one more space each (20,000 deep is ~200 MB, refused by size);
    // explicit keys nest them on one line.
    ['block mappings', `a:\n${'? '.repeat(20_000)}x\n`],
  ])('refuses 20,000-deep %s before any parser sees them', (_kind, text) => {
    const result = parseAppDefinition(text, 'deep.yaml');
    expect(result).toEqual({
      ok: false,
      errors: [
        { file: 'deep.yaml', message: 'deep.yaml: nests more than 64 levels deep (an app definition needs a handful)' },
      ],
    });
  });

  it('bounds the nesting of every real app file far below the limit', () => {
    const roots = [
      join(FIXTURES, 'ok'),
      join(SAMPLE_MARKETPLACE_DIR, 'apps'),
      join(__dirname, '..', '..', 'catalog', 'apps'),
    ];
    const files = roots.flatMap((root) =>
      readdirSync(root, { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.yaml'))
        .map((name) => join(root, name)),
    );
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(yamlNestingBound(readFileSync(file, 'utf8'))).toBeLessThan(20);
  });

  it('refuses alias bombs', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 60; i++)
      lines.push(`a${i}: &a${i} [*${i === 1 ? 'a' : `a${i - 1}`}, *${i === 1 ? 'a' : `a${i - 1}`}]`);
    const result = parseAppDefinition(lines.join('\n'), 'bomb.yaml');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.errors[0]?.message).toMatch(/^bomb\.yaml: YAML .*alias/i);
  });
});

describe('the schema copied into this library', () => {
  it('is identical to the Tomo marketplace schema', () => {
    const original: unknown = JSON.parse(
      readFileSync(join(SAMPLE_MARKETPLACE_DIR, 'schemas', 'app.schema.json'), 'utf8'),
    );
    expect(appSchema).toEqual(original);
  });
});
