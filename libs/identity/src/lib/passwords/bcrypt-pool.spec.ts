import { compare } from 'bcryptjs';
import { BcryptPool } from './bcrypt-pool';

// Low cost: these tests are about the threads, not the hash; bcryptjs still runs in them.
const COST = 4;

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('BcryptPool', () => {
  it('starts threads on demand, up to its size, and hashes in them', async () => {
    const pool = new BcryptPool(2, 60_000);
    expect(pool.threadCount).toBe(0);
    const hashes = await Promise.all(['one', 'two', 'three'].map((secret) => pool.hash(secret, COST)));
    expect(pool.threadCount).toBe(2);
    await expect(compare('two', hashes[1])).resolves.toBe(true);
    await expect(pool.compare('three', hashes[2])).resolves.toBe(true);
    await expect(pool.compare('four', hashes[2])).resolves.toBe(false);
  });

  it('lets an idle thread exit and starts a new one for the next task', async () => {
    const pool = new BcryptPool(1, 50);
    const first = await pool.hash('before the pause', COST);
    expect(pool.threadCount).toBe(1);
    await until(() => pool.threadCount === 0);
    await expect(pool.compare('before the pause', first)).resolves.toBe(true);
    expect(pool.threadCount).toBe(1);
  });

  it('keeps a busy thread: the idle countdown starts only when its last task is answered', async () => {
    const pool = new BcryptPool(1, 50);
    // Cost 12 holds the thread far longer than the idle delay.
    const slow = pool.hash('a slow one', 12);
    await pool.hash('a quick one', COST);
    await expect(slow).resolves.toMatch(/^\$2[aby]\$12\$/);
    expect(pool.threadCount).toBe(1);
  });
});
