import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { Redis } from 'ioredis';

/** What every JSON line carries so that runs can be compared over time. */
export interface RunEnv {
  commit: string;
  node: string;
  redis: string;
  redisPersistence: { aof: boolean; rdbSaves: boolean };
  database: string;
  cpus: number;
  date: string;
}

export async function runEnv(redisUrl: string, database = 'sqlite'): Promise<RunEnv> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    const persistence = await redis.info('persistence');
    const [, save] = (await redis.config('GET', 'save')) as string[];
    return {
      commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
      node: process.version,
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      redisPersistence: { aof: /aof_enabled:1/.test(persistence), rdbSaves: Boolean(save) },
      database,
      cpus: cpus().length,
      date: new Date().toISOString(),
    };
  } finally {
    redis.disconnect();
  }
}

export const progress =
  (name: string) =>
  (message: string): void => {
    process.stderr.write(`[chaos ${name}] ${message}\n`);
  };

/** `--name=value` from the command line as a number, else the fallback. */
export const numberArg = (name: string, fallback: number): number => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
};
