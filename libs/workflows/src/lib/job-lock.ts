import type { ChainableCommander, Redis } from 'ioredis';
import type { WorkflowKeys } from './redis-keys';

/**
 * Locks of one job: each is a Redis sorted set of holder job ids scored by lease expiry
 * (Redis server time), so a semaphore of N slots and a plain mutex are the same thing, a
 * crashed holder's slot frees itself when its lease runs out, and a job that already holds
 * a slot (resuming after a crash or a retry delay) simply takes it again.
 */
export interface LockSpec {
  keys: string[];
  /** Holders allowed at once, per key. */
  limits: number[];
}

/** `until`: the lease holds at least until then (the time the request was sent + the lease). */
export type AcquireResult = { acquired: true; until: number } | { acquired: false; holders: string[] };

/** Told about each held job's lease: renewed (until when), or gone (another job may hold the lock). */
export interface LeaseListener {
  renewed(jobId: string, until: number): void;
  lost(jobId: string): void;
}

// KEYS: lock1, waiters1, lock2, waiters2, ...  ARGV: jobId, leaseMs, limit1, limit2, ...
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
local n = #KEYS / 2
for i = 1, n do
  local key = KEYS[2 * i - 1]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if not redis.call('ZSCORE', key, ARGV[1]) and redis.call('ZCARD', key) >= tonumber(ARGV[2 + i]) then
    redis.call('SADD', KEYS[2 * i], ARGV[1])
    redis.call('PEXPIRE', KEYS[2 * i], lease * 4)
    return redis.call('ZRANGE', key, 0, -1)
  end
end
for i = 1, n do
  local key = KEYS[2 * i - 1]
  redis.call('ZADD', key, 'GT', now + lease, ARGV[1])
  local top = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', key, tonumber(top[2]) + 1000)
  redis.call('SREM', KEYS[2 * i], ARGV[1])
end
return {}
`;

// KEYS: locks.  ARGV: jobId, leaseMs.  Pushes the lease out (never shortens it); returns locks lost.
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lost = 0
for i = 1, #KEYS do
  local score = redis.call('ZSCORE', KEYS[i], ARGV[1])
  if score and tonumber(score) > now then
    redis.call('ZADD', KEYS[i], 'XX', 'GT', now + tonumber(ARGV[2]), ARGV[1])
    local top = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
    redis.call('PEXPIREAT', KEYS[i], tonumber(top[2]) + 1000)
  else
    lost = lost + 1
  end
end
return lost
`;

// KEYS: lock1, waiters1, ...  ARGV: jobId.  Returns the jobs that waited for these locks.
const RELEASE = `
local waiters = {}
for i = 1, #KEYS / 2 do
  redis.call('ZREM', KEYS[2 * i - 1], ARGV[1])
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[2 * i])) do
    if id ~= ARGV[1] then table.insert(waiters, id) end
  end
  redis.call('DEL', KEYS[2 * i])
end
return waiters
`;

type LockCommands = Redis & {
  tomoLockAcquire(numKeys: number, ...args: (string | number)[]): Promise<string[]>;
  tomoLockRenew(numKeys: number, ...args: (string | number)[]): Promise<number>;
  tomoLockRelease(numKeys: number, ...args: (string | number)[]): Promise<string[]>;
};

export class JobLocks {
  private readonly redis: LockCommands;
  private readonly held = new Map<string, LockSpec>();
  private renewTimer: NodeJS.Timeout | null = null;

  /** @param leaseMs how long a lock outlives its holder's last renewal (the crash-recovery delay). */
  constructor(
    redis: Redis,
    private readonly keys: WorkflowKeys,
    private readonly leaseMs: number,
    private readonly leases: LeaseListener,
  ) {
    redis.defineCommand('tomoLockAcquire', { lua: ACQUIRE });
    redis.defineCommand('tomoLockRenew', { lua: RENEW });
    redis.defineCommand('tomoLockRelease', { lua: RELEASE });
    this.redis = redis as LockCommands;
  }

  /** The locks a job needs; null when it needs none (most read-only workflows). */
  specFor(
    job: { serverId: string | null; deploymentId: string | null },
    mutatesServer: boolean,
    serverLimit: number,
    exclusive: readonly string[] = [],
  ): LockSpec | null {
    const spec: LockSpec = { keys: [], limits: [] };
    if (mutatesServer && job.serverId) {
      spec.keys.push(this.keys.serverLock(job.serverId));
      spec.limits.push(Math.max(1, serverLimit));
    }
    if (job.deploymentId) {
      spec.keys.push(this.keys.deploymentLock(job.deploymentId));
      spec.limits.push(1);
    }
    for (const name of new Set(exclusive)) {
      spec.keys.push(this.keys.resourceLock(name));
      spec.limits.push(1);
    }
    return spec.keys.length > 0 ? spec : null;
  }

  /** Takes every lock of the spec or none; when busy, the job is registered to be woken on release. */
  async acquire(spec: LockSpec, jobId: string): Promise<AcquireResult> {
    const keys = spec.keys.flatMap((key) => [key, this.keys.lockWaiters(key)]);
    const sentAt = Date.now();
    const holders = await this.redis.tomoLockAcquire(keys.length, ...keys, jobId, this.leaseMs, ...spec.limits);
    if (holders.length === 0) {
      this.hold(jobId, spec);
      return { acquired: true, until: sentAt + this.leaseMs };
    }
    return { acquired: false, holders };
  }

  /** Keeps the lease while the job waits without a worker (retry delay): `forMs` plus the normal lease. */
  async extend(spec: LockSpec, jobId: string, forMs: number): Promise<void> {
    this.held.delete(jobId);
    await this.redis.tomoLockRenew(spec.keys.length, ...spec.keys, jobId, forMs + this.leaseMs);
  }

  /** Frees the locks; returns the ids of the jobs that were waiting for them. */
  async release(spec: LockSpec, jobId: string): Promise<string[]> {
    this.held.delete(jobId);
    const keys = spec.keys.flatMap((key) => [key, this.keys.lockWaiters(key)]);
    return this.redis.tomoLockRelease(keys.length, ...keys, jobId);
  }

  /** Stops renewing (the process is going away; the lease runs out on its own). */
  forget(jobId: string): void {
    this.held.delete(jobId);
  }

  stop(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
    this.held.clear();
  }

  private hold(jobId: string, spec: LockSpec): void {
    this.held.set(jobId, spec);
    // One timer for all held leases, not one round trip per step.
    this.renewTimer ??= setInterval(() => void this.renewAll(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
  }

  private async renewAll(): Promise<void> {
    if (this.held.size === 0) return;
    const entries = [...this.held];
    const pipeline = this.redis.pipeline() as ChainableCommander & {
      tomoLockRenew(numKeys: number, ...args: (string | number)[]): ChainableCommander;
    };
    for (const [jobId, spec] of entries) pipeline.tomoLockRenew(spec.keys.length, ...spec.keys, jobId, this.leaseMs);
    const sentAt = Date.now();
    const results = await pipeline.exec().catch(() => null);
    results?.forEach(([error, lost], i) => {
      const [jobId, spec] = entries[i];
      // Released meanwhile, or taken again by a later run of the job: this answer is not about it.
      if (error || this.held.get(jobId) !== spec) return;
      if (Number(lost) > 0) this.leases.lost(jobId);
      else this.leases.renewed(jobId, sentAt + this.leaseMs);
    });
  }
}
