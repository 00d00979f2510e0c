import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DatabaseBackup, runPendingMigrations } from '@tomo/database';
import { ApiTokensService, AuditService, UsersService } from '@tomo/identity';
import { SecretRotationService } from '@tomo/secrets';
import { isRole, type Role } from '@tomo/shared';
import { readPassword } from './read-password';

type Values = Record<string, string | undefined>;

export interface Command {
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' }>;
  /** How many arguments besides the options it takes (default none). */
  positionals?: number;
  /** Checks the options before anything starts; returns the one-line problem, if any. */
  check(values: Values, positionals: string[]): string | null;
  run(app: INestApplicationContext, values: Values, out: (line: string) => void, positionals: string[]): Promise<void>;
}

const role = (value: string | undefined, fallback: Role): Role | null =>
  value === undefined ? fallback : isRole(value.toUpperCase()) ? (value.toUpperCase() as Role) : null;

const cli = { type: 'cli' as const, name: 'cli' };

export const COMMANDS: Record<string, Command> = {
  'user:create': {
    summary: 'create a user (the first admin, headless); password from stdin or --password-file',
    usage: 'user:create --username U [--role ADMIN|OPERATOR|VIEWER] [--password-file FILE]',
    options: { username: { type: 'string' }, role: { type: 'string' }, 'password-file': { type: 'string' } },
    check: (values) =>
      !values['username']
        ? '--username is required'
        : role(values['role'], 'ADMIN' as Role) === null
          ? `--role must be ADMIN, OPERATOR or VIEWER (got "${values['role']}")`
          : null,
    async run(app, values, out) {
      const password = await readPassword(values['password-file']);
      const user = await app.get(UsersService).create({
        username: values['username'] ?? '',
        password,
        role: role(values['role'], 'ADMIN' as Role) as Role,
      });
      await app.get(AuditService).record({
        actor: cli,
        action: 'cli.user:create',
        targetType: 'user',
        targetId: user.id,
        outcome: 'SUCCESS',
        details: { username: user.username, role: user.role },
      });
      out(`Created ${user.role} ${user.username} (${user.id})`);
    },
  },
  'user:reset-password': {
    summary: "set a user's password (an admin locked out of the console); ends their sessions and API tokens",
    usage: 'user:reset-password --username U [--password-file FILE]',
    options: { username: { type: 'string' }, 'password-file': { type: 'string' } },
    check: (values) => (!values['username'] ? '--username is required' : null),
    async run(app, values, out) {
      const users = app.get(UsersService);
      const found = await users.findByUsername(values['username'] ?? '');
      if (!found) throw new Error(`no user named ${values['username']}`);
      const password = await readPassword(values['password-file']);
      const user = await users.update(found.id, { password });
      await app.get(AuditService).record({
        actor: cli,
        action: 'cli.user:reset-password',
        targetType: 'user',
        targetId: user.id,
        outcome: 'SUCCESS',
        details: { username: user.username },
      });
      out(`Reset the password of ${user.role} ${user.username}; their sessions and API tokens have ended`);
    },
  },
  'token:create': {
    summary: 'create an API token for a user; prints the token once (stdout)',
    usage: 'token:create --username U --name N [--role R] [--expires-in-days D]',
    options: {
      username: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      'expires-in-days': { type: 'string' },
    },
    check: (values) => {
      if (!values['username']) return '--username is required';
      if (!values['name']) return '--name is required';
      if (values['role'] !== undefined && role(values['role'], 'VIEWER' as Role) === null) {
        return `--role must be ADMIN, OPERATOR or VIEWER (got "${values['role']}")`;
      }
      const days = values['expires-in-days'];
      if (days !== undefined && !/^\d+$/.test(days)) return `--expires-in-days must be a whole number (got "${days}")`;
      return null;
    },
    async run(app, values, out) {
      const user = await app.get(UsersService).findByUsername(values['username'] ?? '');
      if (!user) throw new Error(`no user named ${values['username']}`);
      const days = values['expires-in-days'];
      const created = await app.get(ApiTokensService).create(user, {
        name: values['name'] ?? '',
        role: values['role'] === undefined ? null : role(values['role'], user.role),
        expiresInDays: days === undefined ? null : Number(days),
      });
      await app.get(AuditService).record({
        actor: cli,
        action: 'cli.token:create',
        targetType: 'api-token',
        targetId: created.apiToken.id,
        outcome: 'SUCCESS',
        details: { username: user.username, name: created.apiToken.name, role: created.apiToken.role },
      });
      out(created.token);
    },
  },
  'db:migrate': {
    summary: 'apply pending database migrations (every command does this first)',
    usage: 'db:migrate',
    options: {},
    check: () => null,
    async run(_app, _values, out) {
      out('Database schema is up to date');
    },
  },
  'db:backup': {
    summary: 'copy the database to a file (default DATA_DIR/backups/tomo-<time>.sqlite|.dump); safe while Tomo runs',
    usage: 'db:backup [--out FILE]',
    options: { out: { type: 'string' } },
    check: (values) => (values['out'] === '' ? '--out must name a file' : null),
    async run(app, values, out) {
      const backup = await app.get(DatabaseBackup).backup(values['out']);
      await app.get(AuditService).record({
        actor: cli,
        action: 'cli.db:backup',
        targetType: 'database',
        targetId: null,
        outcome: 'SUCCESS',
        details: { path: backup.path, bytes: backup.bytes },
      });
      out(`Backed up the database to ${backup.path} (${backup.bytes} bytes)`);
      out(
        'Keep the master key too (DATA_DIR/master.key or TOMO_MASTER_KEY): server credentials in the backup need it.',
      );
    },
  },
  'db:restore': {
    summary:
      "replace the database's content with a backup's (stop the API and workers first); the current content is saved first",
    usage: 'db:restore FILE',
    options: {},
    positionals: 1,
    check: (_values, positionals) => (positionals.length !== 1 ? 'name the backup file to restore' : null),
    async run(app, _values, out, positionals) {
      const file = positionals[0];
      const restored = await app.get(DatabaseBackup).restore(file);
      await app.get(AuditService).record({
        actor: cli,
        action: 'cli.db:restore',
        targetType: 'database',
        targetId: null,
        outcome: 'SUCCESS',
        details: { from: file, previous: restored.previous, migrated: restored.migrated },
      });
      out(`Restored the database from ${file}`);
      out(`What it held before is in ${restored.previous}`);
      if (restored.migrated.length > 0) out(`Applied migrations the backup predates: ${restored.migrated.join(', ')}`);
    },
  },
  'secrets:rotate': {
    summary: 're-encrypt stored secrets under a new key (key file) or the new TOMO_MASTER_KEY',
    usage: 'secrets:rotate',
    options: {},
    check: () => null,
    async run(app, _values, out) {
      const report = await app.get(SecretRotationService).rotate();
      await app.get(AuditService).record({
        actor: cli,
        action: 'cli.secrets:rotate',
        targetType: 'secret-key',
        targetId: report.keyVersion,
        outcome: 'SUCCESS',
        details: { source: report.source, reencrypted: report.reencrypted },
      });
      out(
        `Secrets now use key version ${report.keyVersion} (${report.source}); re-encrypted ${report.reencrypted} value(s)`,
      );
      if (report.source === 'master-key') out('You can now remove TOMO_MASTER_KEY_PREVIOUS.');
    },
  },
};

/** Applies pending migrations; returns their names. */
export async function migrate(app: INestApplicationContext): Promise<string[]> {
  const applied = await runPendingMigrations(app.get(DataSource));
  return applied.map((migration) => migration.name);
}

export function usage(): string {
  const lines = Object.values(COMMANDS).map((command) => `  ${command.usage}\n      ${command.summary}`);
  return `Usage: npm run tomo -- <command> [options]\n\nCommands:\n${lines.join('\n')}\n`;
}
