import type { z } from 'zod';
import {
  apiEnvSchema,
  type ApiConfig,
  cliEnvSchema,
  type CommonConfig,
  mcpStdioEnvSchema,
  type McpStdioConfig,
  toCommonConfig,
  workerEnvSchema,
  type WorkerConfig,
} from './config.schema';

/** A setting that is wrong or missing; its message is the one line the process prints. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  // Empty strings count as unset, as shells and compose files often export them that way.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = String(issue.path[0] ?? 'environment');
  const given = cleaned[variable];
  const shown = given === undefined || /KEY|SECRET|PASSWORD|TOKEN|URL/.test(variable) ? '' : ` (got "${given}")`;
  throw new ConfigError(`Invalid configuration: ${variable} ${issue.message}${shown}`);
}

export function loadApiConfig(env: Env = process.env, isTty = Boolean(process.stdout.isTTY)): ApiConfig {
  const parsed = parseEnv(apiEnvSchema, env);
  return {
    ...toCommonConfig(parsed, isTty),
    redisFailFast: true,
    port: parsed.PORT,
    host: parsed.HOST,
    webDistDir: parsed.WEB_DIST_DIR,
    auth: {
      jwtExpiresInSeconds: parsed.JWT_EXPIRES_IN,
      sessionIdleTimeoutSeconds: parsed.SESSION_IDLE_TIMEOUT,
      maxLoginFailures: parsed.LOGIN_MAX_FAILURES,
      lockoutSeconds: parsed.LOGIN_LOCKOUT,
      subscriptionRecheckSeconds: parsed.SUBSCRIPTION_RECHECK,
    },
    graphqlIntrospection: parsed.GRAPHQL_INTROSPECTION
      ? parsed.GRAPHQL_INTROSPECTION === 'true'
      : parsed.NODE_ENV !== 'production',
    trustedProxies: parsed.TRUSTED_PROXIES ?? [],
    mcp: { readOnly: parsed.MCP_READ_ONLY === 'true' },
  };
}

export function loadCliConfig(env: Env = process.env): CommonConfig {
  // The CLI's own output goes to stdout; its logs stay quiet unless LOG_LEVEL asks.
  return toCommonConfig(parseEnv(cliEnvSchema, { LOG_LEVEL: 'warn', ...env }), false);
}

export function loadWorkerConfig(env: Env = process.env, isTty = Boolean(process.stdout.isTTY)): WorkerConfig {
  const parsed = parseEnv(workerEnvSchema, env);
  return {
    ...toCommonConfig(parsed, isTty),
    concurrency: parsed.WORKER_CONCURRENCY,
    jobStallTimeoutMs: parsed.JOB_STALL_TIMEOUT_MS,
    metrics: { host: parsed.METRICS_HOST, port: parsed.METRICS_PORT },
  };
}

export function loadMcpStdioConfig(env: Env = process.env): McpStdioConfig {
  const parsed = parseEnv(mcpStdioEnvSchema, env);
  return { mcpUrl: new URL('/mcp', parsed.TOMO_URL), apiToken: parsed.TOMO_API_TOKEN };
}

/**
 * Loads a process's config or ends the process with one line naming the variable.
 * Called once, first thing in each main.ts.
 */
export function loadConfigOrExit<C>(load: () => C): C {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
