import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { JobStatus, StepStatus } from '@tomo/shared';
import { contractEnum } from '../graphql/contract-enum';

export const JobStatusEnum = contractEnum(JobStatus);
export const StepStatusEnum = contractEnum(StepStatus);

registerEnumType(JobStatusEnum, {
  name: 'JobStatus',
  description: 'WAITING: on a lock held by another job, or on a retry delay.',
});
registerEnumType(StepStatusEnum, { name: 'StepStatus' });

@ObjectType({ description: 'Why a job or step failed. `code` is stable (see error codes); `message` is for people.' })
export class JobError {
  @Field()
  code!: string;

  @Field()
  message!: string;
}

@ObjectType()
export class JobStep {
  @Field()
  name!: string;

  @Field(() => StepStatusEnum)
  status!: StepStatus;

  @Field(() => Int, { description: 'Attempts started so far (1 = first attempt).' })
  attempts!: number;

  @Field(() => Date, { nullable: true, description: 'Start of the latest attempt.' })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'While WAITING to retry: when the next attempt starts.' })
  nextAttemptAt!: Date | null;

  @Field(() => JobError, { nullable: true })
  error!: JobError | null;

  @Field(() => String, { nullable: true, description: "The step's output as JSON." })
  output!: string | null;
}

@ObjectType({ description: 'One line of a job timeline.' })
export class JobEvent {
  @Field(() => ID)
  jobId!: string;

  @Field(() => Int, { description: 'Strictly increasing within a job, from 1.' })
  seq!: number;

  @Field({ description: 'job.queued, job.started, step.started, step.log, step.retrying, job.succeeded, …' })
  type!: string;

  @Field(() => String, { nullable: true, description: 'The step; null for job-level events.' })
  step!: string | null;

  @Field()
  message!: string;

  @Field(() => JobStatusEnum, { description: "The job's status right after this event." })
  status!: JobStatus;

  @Field()
  at!: Date;
}

@ObjectType({ description: 'A workflow run: its steps, timeline and outcome.' })
export class Job {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'The workflow, e.g. system.ping.' })
  kind!: string;

  @Field(() => JobStatusEnum)
  status!: JobStatus;

  @Field(() => ID, { nullable: true })
  serverId!: string | null;

  @Field(() => ID, { nullable: true })
  deploymentId!: string | null;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => String, { nullable: true })
  requestedBy!: string | null;

  @Field(() => ID, { nullable: true, description: 'The job this one retries (retryJob).' })
  retryOfJobId!: string | null;

  @Field(() => String, { nullable: true })
  idempotencyKey!: string | null;

  @Field({ description: 'A cancellation was requested and is being carried out.' })
  cancelRequested!: boolean;
}

@ObjectType()
export class JobEdge {
  @Field()
  cursor!: string;

  @Field(() => Job)
  node!: Job;
}

@ObjectType()
export class JobPageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType()
export class JobConnection {
  @Field(() => [JobEdge])
  edges!: JobEdge[];

  @Field(() => JobPageInfo)
  pageInfo!: JobPageInfo;
}

@InputType()
export class JobsFilter {
  @Field(() => JobStatusEnum, { nullable: true })
  status?: JobStatus | null;

  @Field(() => String, { nullable: true })
  kind?: string | null;

  @Field(() => ID, { nullable: true })
  serverId?: string | null;
}
