import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';

const port = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const positiveInt = (max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, `must be between 1 and ${max}`)
    .max(max, `must be between 1 and ${max}`);

const redisUrl = z.string().regex(/^rediss?:\/\/.+/, 'must be a redis:// or rediss:// URL');

const databaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// URL (leave it unset for SQLite)')
  .optional();

/** A duration such as `90s`, `30m`, `12h` or `7d`, as a number of seconds. */
const duration = (minSeconds: number, maxSeconds: number) =>
  z
    .string()
    .regex(/^\d+[smhd]$/, 'must be a duration such as 90s, 30m, 12h or 7d')
    .transform((value) => Number(value.slice(0, -1)) * DURATION_UNIT_SECONDS[value.slice(-1)])
    .refine(
      (seconds) => seconds >= minSeconds && seconds <= maxSeconds,
      `must be between ${minSeconds}s and ${maxSeconds / 86_400}d`,
    );

const DURATION_UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Settings every Tomo process reads (CONTRACT.md: processes, ports, environment). */
const commonEnv = z.object({
  DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  TOMO_MASTER_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The master key before a rotation, while `secrets:rotate` re-encrypts what it protected. */
  TOMO_MASTER_KEY_PREVIOUS: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Prefix of every Redis key and channel Tomo uses, so several installs (or test runs) can share one Redis. */
  TOMO_REDIS_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be 1-40 lowercase letters, digits, - or _')
    .default('tomo'),
  /**
   * SQLite's `synchronous`: FULL (default) fsyncs the WAL at every commit, so a commit survives a
   * power loss or OS crash; NORMAL may lose the last commits then (never on a process crash).
   */
  SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL'], { error: 'must be FULL or NORMAL' }).default('FULL'),
  /** Default of the backupsToKeep setting: scheduled database backups kept in DATA_DIR/backups. */
  BACKUPS_TO_KEEP: positiveInt(1_000).default(7),
  /** Default of the diskLowPercent setting: a server's disk above this percentage is low. */
  DISK_LOW_PERCENT: positiveInt(100).default(90),
  /** On SIGTERM, how long the process may take to finish its work (a worker's running steps) before it exits anyway. */
  SHUTDOWN_TIMEOUT_MS: positiveInt(600_000).default(30_000),
  LOG_LEVEL: logLevel.default('info'),
  /** Pretty logs for humans; JSON otherwise. Defaults to "is stdout a terminal". */
  LOG_PRETTY: z.enum(['true', 'false']).optional(),
  /**
   * Whether marketplace syncs download the app icons the catalog names (from their hosts) for
   * Tomo to serve. Defaults to on when NODE_ENV=production (the Docker image), off otherwise, so
   * development and test runs contact no third-party host unless asked.
   */
  APP_ICON_FETCH: z.enum(['true', 'false']).optional(),
  NODE_ENV: z.string().optional(),
});

export const apiEnvSchema = commonEnv.extend({
  PORT: port.default(3000),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  /** The built Angular console, served at `/`. */
  WEB_DIST_DIR: z.string().min(1).default('dist/apps/web/browser'),
  /** Lifetime of a login's JWT (and of its session). */
  JWT_EXPIRES_IN: duration(60, 30 * 86_400).default(43_200),
  /** A session unused for this long ends; every authenticated request counts as use. */
  SESSION_IDLE_TIMEOUT: duration(60, 30 * 86_400).default(3_600),
  /** Failed logins for one username (or 4x this from one IP) before the lock-out. */
  LOGIN_MAX_FAILURES: positiveInt(1_000).default(5),
  /** How long a lock-out lasts, and the window failures are counted in. */
  LOGIN_LOCKOUT: duration(1, 86_400).default(900),
  /** How often a live subscription checks that its caller's credentials are still valid. */
  SUBSCRIPTION_RECHECK: duration(1, 3_600).default(30),
  /** Schema introspection over /graphql; unset: on unless NODE_ENV is production. */
  GRAPHQL_INTROSPECTION: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
  /** Reverse proxies whose X-Forwarded-For is believed: comma-separated addresses or CIDRs. */
  TRUSTED_PROXIES: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    )
    .refine(
      (entries) => entries.every(isAddressOrCidr),
      'must be comma-separated IP addresses or CIDRs (10.0.0.0/8, ::1)',
    )
    .optional(),
  /** `/mcp` lists and runs only the tools that change nothing. */
  MCP_READ_ONLY: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
});

export const workerEnvSchema = commonEnv.extend({
  WORKER_CONCURRENCY: positiveInt(256).default(4),
  /** How long a crashed worker's job stays locked before another worker takes it over. */
  JOB_STALL_TIMEOUT_MS: positiveInt(600_000).default(15_000),
  /** The worker's own Prometheus endpoint (`GET /metrics`); 0 picks a free port. */
  METRICS_PORT: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(9464),
  METRICS_HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
});

/** The stdio MCP bridge (`npm run mcp:stdio`): which Tomo to reach, with which token. Nothing else. */
export const mcpStdioEnvSchema = z.object({
  TOMO_URL: z
    .string({ error: 'is required: the address of a running Tomo, e.g. http://127.0.0.1:3000' })
    .regex(/^https?:\/\/[^/]+/, 'must be an http:// or https:// URL, e.g. http://127.0.0.1:3000'),
  TOMO_API_TOKEN: z
    .string({ error: 'is required: an API token (createApiToken or `npm run tomo -- token:create`)' })
    .min(1, 'must not be empty'),
});

export interface McpStdioConfig {
  /** The `/mcp` endpoint of TOMO_URL. */
  mcpUrl: URL;
  apiToken: string;
}

/** The command line (`npm run tomo`) reads only the common settings. */
export const cliEnvSchema = commonEnv;

export type ApiEnv = z.infer<typeof apiEnvSchema>;
export type WorkerEnv = z.infer<typeof workerEnvSchema>;

export interface CommonConfig {
  dataDir: string;
  database: { type: 'sqlite'; path: string; synchronous: 'FULL' | 'NORMAL' } | { type: 'postgres'; url: string };
  /** Defaults of the backupsToKeep and diskLowPercent settings (libs/settings). */
  maintenance: { backupsToKeep: number; diskLowPercent: number };
  redisUrl: string;
  redisPrefix: string;
  /**
   * While Redis is unreachable, a command fails after one reconnection attempt instead of waiting
   * for Redis to come back: the API's callers get UNAVAILABLE at once. Workers wait (a step that
   * waits for Redis resumes; one that failed would have to be retried).
   */
  redisFailFast: boolean;
  masterKey: string | undefined;
  previousMasterKey: string | undefined;
  log: { level: z.infer<typeof logLevel>; pretty: boolean };
  /** APP_ICON_FETCH: marketplace syncs download app icons. */
  fetchAppIcons: boolean;
  shutdownTimeoutMs: number;
}

export interface ApiConfig extends CommonConfig {
  port: number;
  host: string;
  webDistDir: string;
  auth: AuthSettings;
  /** Whether /graphql answers introspection queries. */
  graphqlIntrospection: boolean;
  /** Addresses/CIDRs of reverse proxies whose X-Forwarded-For is believed; empty: the socket address is the client. */
  trustedProxies: string[];
  mcp: { readOnly: boolean };
}

/** Authentication settings (the settings UI will edit some of them later). */
export interface AuthSettings {
  jwtExpiresInSeconds: number;
  sessionIdleTimeoutSeconds: number;
  maxLoginFailures: number;
  lockoutSeconds: number;
  subscriptionRecheckSeconds: number;
}

export interface WorkerConfig extends CommonConfig {
  concurrency: number;
  jobStallTimeoutMs: number;
  metrics: { host: string; port: number };
}

export function toCommonConfig(env: z.infer<typeof commonEnv>, isTty: boolean): CommonConfig {
  const dataDir = resolve(env.DATA_DIR);
  return {
    dataDir,
    database: env.DATABASE_URL
      ? { type: 'postgres', url: env.DATABASE_URL }
      : { type: 'sqlite', path: resolve(dataDir, 'tomo.sqlite'), synchronous: env.SQLITE_SYNCHRONOUS },
    maintenance: {
      backupsToKeep: env.BACKUPS_TO_KEEP,
      diskLowPercent: env.DISK_LOW_PERCENT,
    },
    redisUrl: env.REDIS_URL,
    redisPrefix: env.TOMO_REDIS_PREFIX,
    redisFailFast: false,
    masterKey: env.TOMO_MASTER_KEY,
    previousMasterKey: env.TOMO_MASTER_KEY_PREVIOUS,
    log: { level: env.LOG_LEVEL, pretty: env.LOG_PRETTY ? env.LOG_PRETTY === 'true' : isTty },
    fetchAppIcons: env.APP_ICON_FETCH ? env.APP_ICON_FETCH === 'true' : env.NODE_ENV === 'production',
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  };
}
