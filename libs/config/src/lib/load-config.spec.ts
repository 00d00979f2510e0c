import { ConfigError, loadApiConfig, loadWorkerConfig } from './load-config';

describe('loadApiConfig', () => {
  it('applies the contract defaults', () => {
    const config = loadApiConfig({}, false);
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.database).toEqual({ type: 'sqlite', path: expect.stringMatching(/data\/tomo\.sqlite$/) });
    expect(config.log.pretty).toBe(false);
  });

  it('switches to Postgres when DATABASE_URL is a postgres URL', () => {
    const config = loadApiConfig({ DATABASE_URL: 'postgres://u:p@127.0.0.1/tomo' }, false);
    expect(config.database).toEqual({ type: 'postgres', url: 'postgres://u:p@127.0.0.1/tomo' });
  });

  it.each([
    [{ PORT: 'abc' }, 'Invalid configuration: PORT must be a number (got "abc")'],
    [{ PORT: '70000' }, 'Invalid configuration: PORT must be between 1 and 65535 (got "70000")'],
    [{ REDIS_URL: 'http://x' }, 'Invalid configuration: REDIS_URL must be a redis:// or rediss:// URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'Invalid configuration: DATABASE_URL must be a postgres:// URL (leave it unset for SQLite)'],
    [{ TOMO_MASTER_KEY: 'short' }, 'Invalid configuration: TOMO_MASTER_KEY must be at least 16 characters'],
  ])('rejects %j with one line naming the variable', (env, message) => {
    expect(() => loadApiConfig(env, false)).toThrow(new ConfigError(message));
  });

  it('treats empty values as unset', () => {
    expect(loadApiConfig({ PORT: '' }, false).port).toBe(3000);
  });
});

describe('loadWorkerConfig', () => {
  it('reads WORKER_CONCURRENCY', () => {
    expect(loadWorkerConfig({ WORKER_CONCURRENCY: '8' }, false).concurrency).toBe(8);
    expect(loadWorkerConfig({}, false).concurrency).toBe(4);
  });

  it('rejects a concurrency of zero', () => {
    expect(() => loadWorkerConfig({ WORKER_CONCURRENCY: '0' }, false)).toThrow(
      'Invalid configuration: WORKER_CONCURRENCY must be between 1 and 256 (got "0")',
    );
  });
});
