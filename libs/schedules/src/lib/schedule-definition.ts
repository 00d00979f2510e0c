import type { JobInputOf } from '@tomo/workflows';

/**
 * A workflow that runs periodically (maintenance: metrics, reconciliation, pruning...).
 * Feature libraries export these; the apps pass the list to SchedulesModule.forRoot.
 */
export interface ScheduleDefinition<K extends string = string> {
  /** Stable public id (`runSchedule(name)`); also the BullMQ job scheduler id. Never rename. */
  readonly name: string;
  /** The workflow each run starts. */
  readonly kind: K;
  /** Default interval; the stored value may differ once an admin changes it. */
  readonly everySeconds: number;
  readonly description?: string;
  /** The input of each run: ids and plain settings only. */
  input(): JobInputOf<K>;
}

/** Types a schedule against the job input map; returns it unchanged. */
export function defineSchedule<K extends string>(definition: ScheduleDefinition<K>): ScheduleDefinition<K> {
  return definition;
}
