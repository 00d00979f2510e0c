import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CommonConfig } from '@tomo/config';
import { closeRedisConnection, createRedisConnection, QueueName } from '@tomo/redis';

/** Injection token of the workflows queue (producer side). */
export const WORKFLOW_QUEUE = Symbol('WORKFLOW_QUEUE');

/** The queue payload: the job id only. Everything else is in the job row. */
export interface WorkflowJobData {
  jobId: string;
}

const connections = new WeakMap<Queue, Redis>();

/**
 * A producer of one of Tomo's queues, on a Redis connection of its own (named `connectionName`
 * in CLIENT LIST). The DB is the record: BullMQ's copies of jobs go as soon as a run ends.
 */
export function createQueue<T>(name: QueueName, config: CommonConfig, connectionName: string): Queue<T> {
  const connection = createRedisConnection(config.redisUrl, connectionName, { failFast: config.redisFailFast });
  const queue = new Queue<T>(name, {
    connection,
    prefix: config.redisPrefix,
    defaultJobOptions: {
      removeOnComplete: true,
      removeOnFail: true,
      attempts: 1,
    },
  });
  connections.set(queue, connection);
  return queue;
}

/** Closes a queue of `createQueue` and the connection it was given (BullMQ leaves a passed-in connection open). */
export async function closeQueue(queue: Queue): Promise<void> {
  await queue.close();
  const connection = connections.get(queue);
  if (connection) await closeRedisConnection(connection);
}

export function createWorkflowQueue(config: CommonConfig): Queue<WorkflowJobData> {
  return createQueue<WorkflowJobData>(QueueName.Workflows, config, 'tomo-workflow-queue');
}
