import { ConfigError, loadApiConfig, loadCliConfig, loadMcpStdioConfig, loadWorkerConfig } from './load-config';

describe('loadApiConfig', () => {
  it('applies the contract defaults', () => {
    const config = loadApiConfig({}, false);
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.database).toEqual({
      type: 'sqlite',
      path: expect.stringMatching(/data\/tomo\.sqlite$/),
      synchronous: 'FULL',
    });
    expect(config.maintenance).toEqual({ backupsToKeep: 7, diskLowPercent: 90 });
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
    [
      { DATABASE_URL: 'mysql://x' },
      'Invalid configuration: DATABASE_URL must be a postgres:// URL (leave it unset for SQLite)',
    ],
    [{ TOMO_MASTER_KEY: 'short' }, 'Invalid configuration: TOMO_MASTER_KEY must be at least 16 characters'],
    [
      { TOMO_MASTER_KEY_PREVIOUS: 'short' },
      'Invalid configuration: TOMO_MASTER_KEY_PREVIOUS must be at least 16 characters',
    ],
    [
      { JWT_EXPIRES_IN: '12 hours' },
      'Invalid configuration: JWT_EXPIRES_IN must be a duration such as 90s, 30m, 12h or 7d (got "12 hours")',
    ],
    [{ JWT_EXPIRES_IN: '10s' }, 'Invalid configuration: JWT_EXPIRES_IN must be between 60s and 30d (got "10s")'],
    [
      { SESSION_IDLE_TIMEOUT: '31d' },
      'Invalid configuration: SESSION_IDLE_TIMEOUT must be between 60s and 30d (got "31d")',
    ],
    [{ LOGIN_MAX_FAILURES: '0' }, 'Invalid configuration: LOGIN_MAX_FAILURES must be between 1 and 1000 (got "0")'],
    [
      { LOGIN_LOCKOUT: 'forever' },
      'Invalid configuration: LOGIN_LOCKOUT must be a duration such as 90s, 30m, 12h or 7d (got "forever")',
    ],
    [
      { GRAPHQL_INTROSPECTION: 'yes' },
      'Invalid configuration: GRAPHQL_INTROSPECTION must be true or false (got "yes")',
    ],
    [
      { TRUSTED_PROXIES: '10.0.0.0/8, proxy.local' },
      'Invalid configuration: TRUSTED_PROXIES must be comma-separated IP addresses or CIDRs (10.0.0.0/8, ::1) (got "10.0.0.0/8, proxy.local")',
    ],
    [
      { TRUSTED_PROXIES: '10.0.0.0/33' },
      'Invalid configuration: TRUSTED_PROXIES must be comma-separated IP addresses or CIDRs (10.0.0.0/8, ::1) (got "10.0.0.0/33")',
    ],
  ])('rejects %j with one line naming the variable', (env, message) => {
    expect(() => loadApiConfig(env, false)).toThrow(new ConfigError(message));
  });

  it('reads the authentication settings as seconds', () => {
    expect(loadApiConfig({}, false).auth).toEqual({
      jwtExpiresInSeconds: 43_200,
      sessionIdleTimeoutSeconds: 3_600,
      maxLoginFailures: 5,
      lockoutSeconds: 900,
      subscriptionRecheckSeconds: 30,
    });
    const auth = loadApiConfig(
      {
        JWT_EXPIRES_IN: '7d',
        SESSION_IDLE_TIMEOUT: '90s',
        LOGIN_MAX_FAILURES: '3',
        LOGIN_LOCKOUT: '2m',
        SUBSCRIPTION_RECHECK: '5s',
      },
      false,
    ).auth;
    expect(auth).toEqual({
      jwtExpiresInSeconds: 604_800,
      sessionIdleTimeoutSeconds: 90,
      maxLoginFailures: 3,
      lockoutSeconds: 120,
      subscriptionRecheckSeconds: 5,
    });
  });

  it('makes the API fail Redis commands fast while Redis is unreachable; workers and the CLI wait for it', () => {
    expect(loadApiConfig({}, false).redisFailFast).toBe(true);
    expect(loadWorkerConfig({}, false).redisFailFast).toBe(false);
    expect(loadCliConfig({}).redisFailFast).toBe(false);
  });

  it('reads MCP_READ_ONLY (off unless "true")', () => {
    expect(loadApiConfig({}, false).mcp).toEqual({ readOnly: false });
    expect(loadApiConfig({ MCP_READ_ONLY: 'true' }, false).mcp).toEqual({ readOnly: true });
    expect(() => loadApiConfig({ MCP_READ_ONLY: 'yes' }, false)).toThrow(
      new ConfigError('Invalid configuration: MCP_READ_ONLY must be true or false (got "yes")'),
    );
  });

  it('treats empty values as unset', () => {
    expect(loadApiConfig({ PORT: '' }, false).port).toBe(3000);
  });

  it('turns introspection on unless NODE_ENV is production, or as GRAPHQL_INTROSPECTION says', () => {
    expect(loadApiConfig({}, false).graphqlIntrospection).toBe(true);
    expect(loadApiConfig({ NODE_ENV: 'production' }, false).graphqlIntrospection).toBe(false);
    expect(loadApiConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }, false).graphqlIntrospection).toBe(
      true,
    );
    expect(loadApiConfig({ GRAPHQL_INTROSPECTION: 'false' }, false).graphqlIntrospection).toBe(false);
  });

  it('reads TRUSTED_PROXIES as a list of addresses and CIDRs', () => {
    expect(loadApiConfig({}, false).trustedProxies).toEqual([]);
    expect(loadApiConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1,::1' }, false).trustedProxies).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
    ]);
  });

  it('fetches app icons in production unless APP_ICON_FETCH says otherwise, and nowhere else unless asked', () => {
    expect(loadApiConfig({}, false).fetchAppIcons).toBe(false);
    expect(loadApiConfig({ NODE_ENV: 'production' }, false).fetchAppIcons).toBe(true);
    expect(loadApiConfig({ NODE_ENV: 'production', APP_ICON_FETCH: 'false' }, false).fetchAppIcons).toBe(false);
    expect(loadApiConfig({ APP_ICON_FETCH: 'true' }, false).fetchAppIcons).toBe(true);
    expect(() => loadApiConfig({ APP_ICON_FETCH: 'yes' }, false)).toThrow(/APP_ICON_FETCH/);
  });
});

describe('loadMcpStdioConfig', () => {
  it('reads the Tomo to reach and the token', () => {
    expect(loadMcpStdioConfig({ TOMO_URL: 'http://127.0.0.1:3000', TOMO_API_TOKEN: 'tomo_abc' })).toEqual({
      mcpUrl: new URL('http://127.0.0.1:3000/mcp'),
      apiToken: 'tomo_abc',
    });
  });

  it.each([
    [
      { TOMO_API_TOKEN: 't' },
      'Invalid configuration: TOMO_URL is required: the address of a running Tomo, e.g. http://127.0.0.1:3000',
    ],
    [
      { TOMO_URL: 'ftp://x', TOMO_API_TOKEN: 't' },
      'Invalid configuration: TOMO_URL must be an http:// or https:// URL, e.g. http://127.0.0.1:3000',
    ],
    [
      { TOMO_URL: 'http://127.0.0.1:3000' },
      'Invalid configuration: TOMO_API_TOKEN is required: an API token (createApiToken or `npm run tomo -- token:create`)',
    ],
  ])('rejects %j with one line naming the variable (never echoing a token)', (env, message) => {
    expect(() => loadMcpStdioConfig(env)).toThrow(new ConfigError(message));
  });
});

describe('loadCliConfig', () => {
  it('reads the common settings and keeps logs quiet', () => {
    const config = loadCliConfig({ DATA_DIR: '/tmp/tomo-cli', TOMO_MASTER_KEY_PREVIOUS: 'previous-master-key' });
    expect(config.dataDir).toBe('/tmp/tomo-cli');
    expect(config.previousMasterKey).toBe('previous-master-key');
    expect(config.log).toEqual({ level: 'warn', pretty: false });
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
