import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadCliConfig } from '@tomo/config';
import { COMMANDS, migrate, usage } from './app/commands';
import { CliModule } from './app/cli.module';

/** Prints one line naming the problem and sets exit code 1. */
function fail(message: string): void {
  process.stderr.write(`tomo: ${message}\n`);
  process.exitCode = 1;
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    if (!name) process.exitCode = 1;
    return;
  }
  const command = COMMANDS[name];
  if (!command) return fail(`unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})`);

  let values: Record<string, string | undefined>;
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args: rest,
      options: command.options,
      strict: true,
      allowPositionals: (command.positionals ?? 0) > 0,
    });
    values = parsed.values as Record<string, string | undefined>;
    positionals = parsed.positionals;
  } catch (error) {
    return fail(`${(error as Error).message} (usage: ${command.usage})`);
  }
  const problem = command.check(values, positionals);
  if (problem) return fail(`${problem} (usage: ${command.usage})`);

  let config;
  try {
    config = loadCliConfig();
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
    logger: false,
    abortOnError: false,
  });
  try {
    const applied = await migrate(app);
    if (applied.length > 0) process.stderr.write(`Applied migrations: ${applied.join(', ')}\n`);
    await command.run(app, values, (line) => process.stdout.write(`${line}\n`), positionals);
  } catch (error) {
    fail((error as Error).message.split('\n')[0]);
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  fail(error instanceof Error ? error.message.split('\n')[0] : String(error));
});
