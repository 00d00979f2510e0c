import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';

/** The Compose Specification's JSON schema as Debian's `docker-compose` package ships it. */
const COMPOSE_SCHEMA = '/usr/lib/python3/dist-packages/compose/config/compose_spec.json';
const ROOT = join(__dirname, '..', '..');

type Service = {
  command?: string[];
  image?: string;
  profiles?: string[];
  environment?: Record<string, string>;
  stop_grace_period?: string;
};

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };

  it('is valid against the Compose Specification', () => {
    if (!existsSync(COMPOSE_SCHEMA)) throw new Error(`${COMPOSE_SCHEMA} is missing: apt-get install docker-compose`);
    const schema = JSON.parse(readFileSync(COMPOSE_SCHEMA, 'utf8')) as Record<string, unknown>;
    // Compiled as draft 2019-09 (what it declares, spelled in a way Ajv does not know) and
    // without its legacy `id` annotations (JSON pointers to where they stand: no information).
    delete schema['$schema'];
    const withoutIds = JSON.parse(JSON.stringify(schema), (key, value: unknown) =>
      key === 'id' && typeof value === 'string' ? undefined : value,
    ) as Record<string, unknown>;
    const validate = new Ajv2019({ strict: false, allErrors: true, validateFormats: false }).compile(withoutIds);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The check has teeth: a misspelt key and a wrong type are refused.
    expect(validate({ services: { redis: { image: 'redis', comand: ['x'] } } })).toBe(false);
    expect(
      validate({
        services: { redis: { image: 'redis', stop_grace_period: 40 } },
      }),
    ).toBe(false);
  });

  it('runs Redis with an append-only file and noeviction (BullMQ loses jobs when Redis evicts keys)', () => {
    const command = compose.services['redis'].command ?? [];
    const option = (name: string) => command[command.indexOf(name) + 1];
    expect(option('--appendonly')).toBe('yes');
    expect(option('--maxmemory-policy')).toBe('noeviction');
  });

  it('pins Postgres to the major version of the pg_dump in the image (Debian 12: 15)', () => {
    const postgres = compose.services['postgres'];
    expect(postgres.profiles).toEqual(['postgres']);
    expect(postgres.image).toBe('postgres:15-bookworm');
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(
      /FROM node:20-bookworm-slim\n[\s\S]*postgresql-client/,
    );
  });

  it('runs API and scalable workers from one image with a grace period for their drain', () => {
    const { api, worker } = compose.services;
    expect(worker.image).toBe(api.image);
    expect(worker.command).toEqual(['node', 'dist/apps/worker/main.js']);
    expect(worker).not.toHaveProperty('container_name');
    expect(worker.stop_grace_period).toBe('40s');
    expect(worker.environment?.['METRICS_HOST']).toBe('0.0.0.0');
  });
});
