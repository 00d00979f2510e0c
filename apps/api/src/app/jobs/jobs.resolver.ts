import { Args, ID, Int, Mutation, Parent, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import type { Principal } from '@tomo/identity';
import { JobKind, Role } from '@tomo/shared';
import { encodeJobCursor, JobEventStream, type JobRow, JobsService, type StepRow } from '@tomo/workflows';
import { Roles } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Job, JobConnection, JobError, JobEvent, JobsFilter, JobStep } from './job.types';

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

const errorOf = (row: { errorCode: string | null; errorMessage: string | null }): JobError | null =>
  row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null;

/** Jobs over GraphQL: a thin door to JobsService and JobEventStream. */
@Resolver(() => Job)
export class JobsResolver {
  constructor(
    private readonly jobsService: JobsService,
    private readonly stream: JobEventStream,
  ) {}

  @Roles(Role.Viewer)
  @Query(() => JobConnection, { description: 'Jobs, newest first.' })
  async jobs(
    @Args('filter', { type: () => JobsFilter, nullable: true }) filter: JobsFilter | null,
    @Args('first', { type: () => Int, nullable: true, defaultValue: 20 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<JobConnection> {
    const page = await this.jobsService.list(filter ?? {}, first, after);
    return {
      edges: page.jobs.map((job) => ({ cursor: encodeJobCursor(job), node: job })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    };
  }

  @Roles(Role.Viewer)
  @Query(() => Job, { description: 'A job by id (NOT_FOUND if there is none).' })
  job(@Args('id', { type: () => ID }) id: string): Promise<JobRow> {
    return this.jobsService.get(id);
  }

  @Roles(Role.Operator)
  @Mutation(() => Job, {
    description:
      'Cancels a queued, waiting or running job (a running step is aborted, finished steps are undone). CONFLICT if it already finished.',
  })
  cancelJob(@Args('id', { type: () => ID }) id: string, @CurrentPrincipal() principal: Principal): Promise<JobRow> {
    return this.jobsService.cancel(id, principal.username, principal.role);
  }

  @Roles(Role.Operator)
  @Mutation(() => Job, {
    description:
      "Starts a new run of a failed or cancelled job, with the same input. Needs the role that starting the job's kind needs (FORBIDDEN otherwise).",
  })
  retryJob(@Args('id', { type: () => ID }) id: string, @CurrentPrincipal() principal: Principal): Promise<JobRow> {
    return this.jobsService.retry(id, principal.username, principal.role);
  }

  @Roles(Role.Operator)
  @Mutation(() => Job, { description: 'Runs the system.ping job: proves API → queue → worker → database.' })
  pingSystem(@CurrentPrincipal() principal: Principal): Promise<JobRow> {
    return this.jobsService.create(JobKind.SystemPing, {}, { requestedBy: principal.username });
  }

  @ResolveField(() => JobError, { nullable: true })
  error(@Parent() job: JobRow): JobError | null {
    return errorOf(job);
  }

  @ResolveField(() => String, {
    nullable: true,
    description: 'The result as JSON (e.g. system.ping: {pong, worker, at}).',
  })
  result(@Parent() job: JobRow): string | null {
    return json(job.result);
  }

  @ResolveField(() => String, { description: 'The input as JSON.' })
  input(@Parent() job: JobRow): string {
    return json(job.input) ?? '{}';
  }

  @ResolveField(() => [JobStep])
  async steps(@Parent() job: JobRow): Promise<JobStep[]> {
    const steps = await this.jobsService.steps(job.id);
    return steps.map((step: StepRow) => ({
      name: step.name,
      status: step.status,
      attempts: step.attempts,
      startedAt: step.startedAt,
      finishedAt: step.finishedAt,
      nextAttemptAt: step.nextAttemptAt,
      error: errorOf(step),
      output: json(step.output),
    }));
  }

  @ResolveField(() => [JobEvent], { description: 'The timeline, oldest first.' })
  events(
    @Parent() job: JobRow,
    @Args('afterSeq', { type: () => Int, nullable: true, defaultValue: 0 }) afterSeq: number,
    @Args('first', { type: () => Int, nullable: true, defaultValue: 1000 }) first: number,
  ): Promise<JobEvent[]> {
    return this.jobsService.events(job.id, afterSeq, Math.min(Math.max(first, 1), 5000));
  }

  @Roles(Role.Viewer)
  @Subscription(() => JobEvent, {
    description:
      "A job's timeline, live. With afterSeq, first the events after that seq (none lost, none twice); ends after the job's final event.",
    resolve: (event: JobEvent) => event,
  })
  jobEvents(
    @Args('jobId', { type: () => ID }) jobId: string,
    @Args('afterSeq', { type: () => Int, nullable: true, defaultValue: 0 }) afterSeq: number,
  ) {
    return this.stream.events(jobId, afterSeq);
  }

  @Roles(Role.Viewer)
  @Subscription(() => Job, { description: 'Jobs as their state changes.', resolve: (job: JobRow) => job })
  jobUpdated() {
    return this.stream.updates();
  }
}
