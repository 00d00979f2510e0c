import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { ServerEntity, ServerMetricEntity } from '@tomo/servers';
import type { JobRow } from '@tomo/workflows';
import { Job } from '../jobs/job.types';
import { Server, ServerMetric } from '../servers/server.types';

@ObjectType({ description: 'How many things are in one status.' })
export class StatusCount {
  @Field()
  status!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'A server with its newest metrics sample (null before the first collection).' })
export class ServerSnapshot {
  @Field(() => Server)
  server!: ServerEntity;

  @Field(() => ServerMetric, { nullable: true })
  latest!: ServerMetricEntity | null;
}

@ObjectType({ description: 'Jobs now (queued, running, waiting) and finished in the last 24 hours.' })
export class JobCounts {
  @Field(() => Int)
  queued!: number;

  @Field(() => Int)
  running!: number;

  @Field(() => Int, { description: 'On a lock or a retry delay.' })
  waiting!: number;

  @Field(() => Int)
  succeededLast24h!: number;

  @Field(() => Int)
  failedLast24h!: number;

  @Field(() => Int)
  cancelledLast24h!: number;
}

@ObjectType({
  description:
    'The monitoring overview: servers up or down, deployments by state, running and recent jobs, latest metrics.',
})
export class Dashboard {
  @Field(() => Int)
  serverCount!: number;

  @Field(() => [StatusCount], { description: 'Servers per status (ONLINE, OFFLINE, …), only statuses that occur.' })
  serversByStatus!: StatusCount[];

  @Field(() => [ServerSnapshot], { description: 'Every server, by name, with its newest metrics.' })
  servers!: ServerSnapshot[];

  @Field(() => Int)
  deploymentCount!: number;

  @Field(() => [StatusCount], {
    description: 'Deployments per status (RUNNING, STOPPED, …), only statuses that occur.',
  })
  deploymentsByStatus!: StatusCount[];

  @Field(() => JobCounts)
  jobs!: JobCounts;

  @Field(() => [Job], { description: 'Queued, running and waiting jobs, newest first (at most 20).' })
  activeJobs!: JobRow[];

  @Field(() => [Job], { description: 'The newest jobs whatever their status (at most 10).' })
  recentJobs!: JobRow[];

  @Field({ description: 'When these figures were read.' })
  at!: Date;
}
