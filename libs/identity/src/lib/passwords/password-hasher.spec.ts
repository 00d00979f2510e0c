import { createHash } from 'node:crypto';
import { getRounds, hash as mainThreadHash } from 'bcryptjs';
import { PasswordHasher, TIMING_DUMMY_HASH } from './password-hasher';

// Cost-12 bcrypt in pure JS takes ~0.25 s per hash on an idle core, seconds on a busy shared one.
jest.setTimeout(30_000);

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes with bcrypt cost 12 and verifies', async () => {
    const hash = await hasher.hash('correct horse battery staple');
    expect(hash).toMatch(/^\$2[aby]\$12\$/);
    expect(getRounds(hash)).toBe(12);
    await expect(hasher.verify('correct horse battery staple', hash)).resolves.toBe(true);
    await expect(hasher.verify('correct horse battery stapler', hash)).resolves.toBe(false);
  });

  it('tells apart passwords that differ only after the 72nd byte', async () => {
    const long = 'a'.repeat(80);
    const hash = await hasher.hash(`${long}1`);
    await expect(hasher.verify(`${long}2`, hash)).resolves.toBe(false);
  });

  it('has a well-formed timing dummy of the same cost', () => {
    expect(getRounds(TIMING_DUMMY_HASH)).toBe(12);
  });

  it('verifies hashes stored before hashing moved to threads (bcryptjs on the main thread)', async () => {
    const prehashed = createHash('sha256').update('an older stored password', 'utf8').digest('base64');
    const stored = await mainThreadHash(prehashed, 12);
    await expect(hasher.verify('an older stored password', stored)).resolves.toBe(true);
  });
});
