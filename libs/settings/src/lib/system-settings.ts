import { z } from 'zod';
import type { ApiConfig, CommonConfig } from '@tomo/config';
import { ErrorCode, PullPolicy, TomoException } from '@tomo/shared';

const DAY_SECONDS = 86_400;

const wholeNumber = (min: number, max: number, unit: string) =>
  z
    .number({ error: `must be a whole number of ${unit}` })
    .int(`must be a whole number of ${unit}`)
    .min(min, `must be between ${min} and ${max} ${unit}`)
    .max(max, `must be between ${min} and ${max} ${unit}`);

/**
 * The system settings an admin changes at run time: one validated schema that GraphQL, MCP and
 * the store share. To add a setting: a field here, its default in `defaultSystemSettings`, and
 * the field on the GraphQL types (`apps/api/src/app/settings/settings.types.ts`); nothing else
 * (values are stored one row per key, so no migration).
 */
export const systemSettingsSchema = z.object({
  sessionIdleTimeoutSeconds: wholeNumber(60, 30 * DAY_SECONDS, 'seconds').describe(
    'A sign-in session unused this long ends (60 s to 30 days). Applies to sessions at their next use.',
  ),
  jwtExpiresInSeconds: wholeNumber(60, 30 * DAY_SECONDS, 'seconds').describe(
    'Lifetime of a login (its JWT and session), 60 s to 30 days. Applies to logins made after the change.',
  ),
  jobRetentionDays: wholeNumber(1, 3_650, 'days').describe(
    'Finished jobs (with their steps, events and logs) older than this are deleted by the prune-jobs schedule.',
  ),
  metricsRetentionDays: wholeNumber(1, 3_650, 'days').describe(
    'Hourly server metrics older than this are deleted by the collect-server-metrics schedule (raw samples are kept 48 h).',
  ),
  auditRetentionDays: wholeNumber(1, 3_650, 'days').describe(
    'Audit log entries older than this are deleted by the prune-sessions schedule.',
  ),
  backupsToKeep: wholeNumber(1, 1_000, 'backups').describe(
    'Scheduled database backups kept in DATA_DIR/backups by the backup-database schedule (1 to 1000); older ones are deleted.',
  ),
  diskLowPercent: wholeNumber(1, 100, 'percent').describe(
    "A server's root disk used above this percentage is low (1 to 100): the threshold of the DISK_LOW notification.",
  ),
  defaultPullPolicy: z
    .enum(PullPolicy, { error: `must be one of ${Object.values(PullPolicy).join(', ')}` })
    .describe('Pull policy of an install whose configuration names none: ALWAYS, IF_MISSING or NEVER.'),
});

export type SystemSettings = z.infer<typeof systemSettingsSchema>;
export type SystemSettingKey = keyof SystemSettings;

/** A change: any subset of the settings. Unknown fields are refused. */
export const systemSettingsChangeSchema = systemSettingsSchema.partial().strict();
export type SystemSettingsChange = z.infer<typeof systemSettingsChangeSchema>;

/** A validated change, or BAD_USER_INPUT naming every wrong field (`jobRetentionDays: must be between…`). */
export function parseSettingsChange(change: Record<string, unknown>): SystemSettingsChange {
  const parsed = systemSettingsChangeSchema.safeParse(change);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) =>
    issue.code === 'unrecognized_keys'
      ? `${issue.keys.join(', ')}: not a setting`
      : `${issue.path.join('.')}: ${issue.message}`,
  );
  throw new TomoException(ErrorCode.BadUserInput, problems.join('; '));
}

/**
 * What applies while nothing is stored: the environment (JWT_EXPIRES_IN and SESSION_IDLE_TIMEOUT
 * of the API; BACKUPS_TO_KEEP, DISK_LOW_PERCENT), else built-in values.
 */
export function defaultSystemSettings(config: CommonConfig): SystemSettings {
  // Only the API's config has them; the worker never reads these two.
  const auth = 'auth' in config ? (config as ApiConfig).auth : null;
  return {
    sessionIdleTimeoutSeconds: auth?.sessionIdleTimeoutSeconds ?? 3_600,
    jwtExpiresInSeconds: auth?.jwtExpiresInSeconds ?? 43_200,
    jobRetentionDays: 30,
    metricsRetentionDays: 90,
    auditRetentionDays: 365,
    backupsToKeep: config.maintenance.backupsToKeep,
    diskLowPercent: config.maintenance.diskLowPercent,
    defaultPullPolicy: PullPolicy.IfMissing,
  };
}
