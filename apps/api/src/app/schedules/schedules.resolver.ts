import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Principal } from '@tomo/identity';
import { Role } from '@tomo/shared';
import { type ScheduleView, SchedulesService } from '@tomo/schedules';
import type { JobRow } from '@tomo/workflows';
import { Roles } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Job } from '../jobs/job.types';
import { Schedule } from './schedule.types';

@Resolver(() => Schedule)
export class SchedulesResolver {
  constructor(private readonly service: SchedulesService) {}

  @Roles(Role.Viewer)
  @Query(() => [Schedule], { description: 'Every periodic maintenance workflow and its state.' })
  schedules(): Promise<ScheduleView[]> {
    return this.service.list();
  }

  @Roles(Role.Operator)
  @Mutation(() => Job, { description: "Runs a schedule's workflow now, whatever its interval says." })
  runSchedule(@Args('name') name: string, @CurrentPrincipal() principal: Principal): Promise<JobRow> {
    return this.service.run(name, principal.username);
  }

  @Roles(Role.Admin)
  @Mutation(() => Schedule, { description: 'Pauses (true) or resumes (false) a schedule.' })
  pauseSchedule(@Args('name') name: string, @Args('paused') paused: boolean): Promise<ScheduleView> {
    return this.service.setPaused(name, paused);
  }
}
