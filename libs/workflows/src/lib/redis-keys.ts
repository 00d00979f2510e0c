/** Every Redis key and channel the engine uses, under the install's prefix (CommonConfig.redisPrefix). */
export function workflowKeys(prefix: string) {
  return {
    /** Pub/sub: batches of stored timeline events (JSON array of JobEventMessage). */
    eventsChannel: `${prefix}:job-events`,
    /** Pub/sub: ids of jobs whose cancellation was requested. */
    cancelChannel: `${prefix}:job-cancel`,
    serverLock: (serverId: string) => `${prefix}:lock:server:${serverId}`,
    deploymentLock: (deploymentId: string) => `${prefix}:lock:deployment:${deploymentId}`,
    /** A workflow's `exclusive` resource. */
    resourceLock: (name: string) => `${prefix}:lock:resource:${name}`,
    /** Held by the worker that is looking for jobs the queue lost. */
    lostJobsSweepLock: `${prefix}:lock:lost-jobs-sweep`,
    /** Jobs waiting for a lock, woken up when it is released. */
    lockWaiters: (lockKey: string) => `${lockKey}:waiters`,
  };
}

export type WorkflowKeys = ReturnType<typeof workflowKeys>;
