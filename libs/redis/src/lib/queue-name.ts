/** Queue names. Renaming one strands every job waiting in the old queue. */
export enum QueueName {
  Workflows = 'tomo-workflows',
  /** Ticks of the periodic schedules; each tick starts one workflow job. */
  Schedules = 'tomo-schedules',
}
