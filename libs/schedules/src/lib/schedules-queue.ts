import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CommonConfig } from '@tomo/config';
import { closeRedisConnection, createRedisConnection, QueueName } from '@tomo/redis';

/** Injection token of the schedules queue, whose job schedulers emit one tick per interval. */
export const SCHEDULES_QUEUE = Symbol('SCHEDULES_QUEUE');

/** The tick payload: which schedule is due. */
export interface ScheduleTickData {
  schedule: string;
}

/** BullMQ job name of every tick. Stored in queued jobs: never rename. */
export const SCHEDULE_TICK = 'schedule.tick';

const connections = new WeakMap<Queue<ScheduleTickData>, Redis>();

export function createSchedulesQueue(config: CommonConfig): Queue<ScheduleTickData> {
  const connection = createRedisConnection(config.redisUrl, 'tomo-schedules-queue');
  const queue = new Queue<ScheduleTickData>(QueueName.Schedules, {
    connection,
    prefix: config.redisPrefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
  });
  connections.set(queue, connection);
  return queue;
}

/** Closes the queue and the connection it was given (BullMQ leaves a passed-in connection open). */
export async function closeSchedulesQueue(queue: Queue<ScheduleTickData>): Promise<void> {
  await queue.close();
  const connection = connections.get(queue);
  if (connection) await closeRedisConnection(connection);
}
