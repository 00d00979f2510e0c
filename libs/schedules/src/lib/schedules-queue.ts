import type { Queue } from 'bullmq';
import type { CommonConfig } from '@tomo/config';
import { QueueName } from '@tomo/redis';
import { createQueue } from '@tomo/workflows';

/** Injection token of the schedules queue, whose job schedulers emit one tick per interval. */
export const SCHEDULES_QUEUE = Symbol('SCHEDULES_QUEUE');

/** The tick payload: which schedule is due. */
export interface ScheduleTickData {
  schedule: string;
}

/** BullMQ job name of every tick. Stored in queued jobs: never rename. */
export const SCHEDULE_TICK = 'schedule.tick';

export function createSchedulesQueue(config: CommonConfig): Queue<ScheduleTickData> {
  return createQueue<ScheduleTickData>(QueueName.Schedules, config, 'tomo-schedules-queue');
}
