/** Settings whose values open Tomo's data: a child process (git, ssh, pg_dump) never needs them. */
const SECRET_SETTINGS = new Set([
  'TOMO_MASTER_KEY',
  'TOMO_MASTER_KEY_PREVIOUS',
  'DATABASE_URL',
  'REDIS_URL',
  'TOMO_API_TOKEN',
]);
/** Any other variable that looks like it holds a credential. */
const SECRET_NAME = /PASSWORD|PASSPHRASE|SECRET|TOKEN|PRIVATE_KEY|MASTER_KEY|CREDENTIAL/i;

/**
 * The environment for a child process: this process's (PATH, HOME, locale, SSH_AUTH_SOCK…)
 * without Tomo's secrets and database/Redis credentials, plus `extra`. Everything Tomo runs
 * (git for marketplaces, ssh through git, pg_dump/pg_restore) gets its environment from here.
 */
export function childEnvironment(
  extra: NodeJS.ProcessEnv = {},
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const kept = Object.entries(env).filter(([name]) => !SECRET_SETTINGS.has(name) && !SECRET_NAME.test(name));
  return { ...Object.fromEntries(kept), ...extra };
}
