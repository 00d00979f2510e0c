import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CommonConfig } from '@tomo/config';
import { createRedisConnection, QueueName } from '@tomo/redis';

/** Injection token of the workflows queue (producer side). */
export const WORKFLOW_QUEUE = Symbol('WORKFLOW_QUEUE');

/** The queue payload: the job id only. Everything else is in the job row. */
export interface WorkflowJobData {
  jobId: string;
}

const connections = new WeakMap<Queue<WorkflowJobData>, Redis>();

export function createWorkflowQueue(config: CommonConfig): Queue<WorkflowJobData> {
  const connection = createRedisConnection(config.redisUrl, 'tomo-workflow-queue');
  const queue = new Queue<WorkflowJobData>(QueueName.Workflows, {
    connection,
    prefix: config.redisPrefix,
    // The DB is the record: BullMQ's copies go as soon as a run ends.
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
  });
  connections.set(queue, connection);
  return queue;
}

/** Closes the queue and the connection it was given (BullMQ leaves a passed-in connection open). */
export async function closeWorkflowQueue(queue: Queue<WorkflowJobData>): Promise<void> {
  await queue.close();
  await connections.get(queue)?.quit().catch(() => undefined);
}
