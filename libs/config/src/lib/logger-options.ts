import type { LoggerOptions } from 'pino';
import type { CommonConfig } from './config.schema';

/**
 * Paths pino blanks out wherever they appear. Secrets must never reach a log line,
 * even when someone logs a whole request or input object by mistake.
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...[
    'password',
    'currentPassword',
    'newPassword',
    'passwordHash',
    'privateKey',
    'passphrase',
    'token',
    'tokenHash',
    'secret',
    'masterKey',
    'previousMasterKey',
    'authorization',
  ].flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]),
];

export function pinoOptions(log: CommonConfig['log'], processName: string): LoggerOptions {
  return {
    name: processName,
    level: log.level,
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    ...(log.pretty && {
      transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } },
    }),
  };
}
