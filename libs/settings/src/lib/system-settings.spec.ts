import { loadApiConfig, loadWorkerConfig } from '@tomo/config';
import { ErrorCode, PullPolicy, TomoException } from '@tomo/shared';
import { defaultSystemSettings, parseSettingsChange } from './system-settings';

describe('system settings', () => {
  it('take their defaults from the API environment, and built-in values elsewhere', () => {
    expect(
      defaultSystemSettings(
        loadApiConfig(
          { JWT_EXPIRES_IN: '2h', SESSION_IDLE_TIMEOUT: '10m', BACKUPS_TO_KEEP: '3', DISK_LOW_PERCENT: '80' },
          false,
        ),
      ),
    ).toEqual({
      sessionIdleTimeoutSeconds: 600,
      jwtExpiresInSeconds: 7_200,
      jobRetentionDays: 30,
      metricsRetentionDays: 90,
      auditRetentionDays: 365,
      backupsToKeep: 3,
      diskLowPercent: 80,
      defaultPullPolicy: PullPolicy.IfMissing,
    });
    expect(defaultSystemSettings(loadWorkerConfig({}, false))).toMatchObject({
      sessionIdleTimeoutSeconds: 3_600,
      jwtExpiresInSeconds: 43_200,
      backupsToKeep: 7,
      diskLowPercent: 90,
    });
  });

  it('accept any valid subset', () => {
    expect(parseSettingsChange({ jobRetentionDays: 7, defaultPullPolicy: 'ALWAYS' })).toEqual({
      jobRetentionDays: 7,
      defaultPullPolicy: PullPolicy.Always,
    });
    expect(parseSettingsChange({})).toEqual({});
  });

  it('refuse a change with one message naming every wrong field', () => {
    const refusal = (change: Record<string, unknown>) => {
      try {
        parseSettingsChange(change);
      } catch (error) {
        expect(error).toBeInstanceOf(TomoException);
        expect((error as TomoException).code).toBe(ErrorCode.BadUserInput);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refusal({ jobRetentionDays: 0, sessionIdleTimeoutSeconds: 1.5 })).toBe(
      'sessionIdleTimeoutSeconds: must be a whole number of seconds; jobRetentionDays: must be between 1 and 3650 days',
    );
    expect(refusal({ defaultPullPolicy: 'SOMETIMES' })).toBe(
      'defaultPullPolicy: must be one of ALWAYS, IF_MISSING, NEVER',
    );
    expect(refusal({ jwtExpiresInSeconds: '3600' })).toBe('jwtExpiresInSeconds: must be a whole number of seconds');
    expect(refusal({ backupDays: 3 })).toBe('backupDays: not a setting');
  });
});
