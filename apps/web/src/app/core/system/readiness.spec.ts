import { parseReadiness } from './readiness';

describe('parseReadiness', () => {
  it('reads a ready answer (200)', () => {
    const readiness = parseReadiness({
      status: 'ok',
      info: { database: { status: 'up' }, redis: { status: 'up' } },
      error: {},
      details: { database: { status: 'up' }, redis: { status: 'up' } },
    });
    expect(readiness).toEqual({
      ready: true,
      checks: [
        { name: 'database', label: 'Database', up: true },
        { name: 'redis', label: 'Redis', up: true },
      ],
    });
  });

  it('reads a not-ready answer (503) with the reason of each failed dependency', () => {
    const readiness = parseReadiness({
      status: 'error',
      info: { database: { status: 'up' } },
      error: { redis: { status: 'down', message: 'connect ECONNREFUSED 127.0.0.1:6379' } },
      details: {
        database: { status: 'up' },
        redis: { status: 'down', message: 'connect ECONNREFUSED 127.0.0.1:6379' },
      },
    });
    expect(readiness?.ready).toBe(false);
    expect(readiness?.checks[1]).toEqual({
      name: 'redis',
      label: 'Redis',
      up: false,
      message: 'connect ECONNREFUSED 127.0.0.1:6379',
    });
  });

  it('names dependencies it has no label for from their key', () => {
    const readiness = parseReadiness({ status: 'ok', details: { postgres: { status: 'up' } } });
    expect(readiness?.checks).toEqual([{ name: 'postgres', label: 'Postgres', up: true }]);
  });

  it('is not ready when the API says ok but a dependency is not up', () => {
    expect(parseReadiness({ status: 'ok', details: { redis: { status: 'unknown' } } })?.ready).toBe(false);
  });

  it.each([null, 'Bad Gateway', [], { status: 'ok' }, { details: {} }])(
    'rejects %j, which is not a health check result',
    (body) => {
      expect(parseReadiness(body)).toBeUndefined();
    },
  );
});
