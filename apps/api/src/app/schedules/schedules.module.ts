import { Module } from '@nestjs/common';
import { SchedulesResolver } from './schedules.resolver';

/** The GraphQL door to schedules; SchedulesModule.forRoot (in AppModule) provides the service. */
@Module({ providers: [SchedulesResolver] })
export class SchedulesApiModule {}
