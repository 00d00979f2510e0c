import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { JobStatus } from '@tomo/shared';
import { JobStatusEnum } from '../jobs/job.types';

@ObjectType({ description: 'A periodic maintenance workflow (metrics, reconciliation, pruning…).' })
export class Schedule {
  @Field({ description: 'Stable id, as runSchedule and pauseSchedule take it.' })
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field({ description: 'The job kind each run starts.' })
  kind!: string;

  @Field(() => Int)
  everySeconds!: number;

  @Field(() => Date, { nullable: true, description: 'Null while paused.' })
  nextRunAt!: Date | null;

  @Field(() => Date, { nullable: true })
  lastRunAt!: Date | null;

  @Field(() => ID, { nullable: true })
  lastJobId!: string | null;

  @Field(() => JobStatusEnum, { nullable: true, description: "The status of the last run's job." })
  lastStatus!: JobStatus | null;

  @Field()
  paused!: boolean;
}
