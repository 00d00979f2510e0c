import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { WorkflowsModule } from '@tomo/workflows';
import type { ScheduleDefinition } from './schedule-definition';
import { SCHEDULES_WORKER_OPTIONS, ScheduleTickWorker, type SchedulesWorkerOptions } from './schedule-tick.worker';
import { ScheduleEntity } from './schedule.entity';
import { createSchedulesQueue, SCHEDULES_QUEUE } from './schedules-queue';
import { SCHEDULE_DEFINITIONS, SchedulesService } from './schedules.service';

/**
 * Schedules for any process: list, run now, pause. Global: the apps import it once with
 * every schedule there is (each app assembles PLATFORM_SCHEDULES from the features).
 */
@Module({})
export class SchedulesModule {
  static forRoot(definitions: readonly ScheduleDefinition[]): DynamicModule {
    return {
      global: true,
      module: SchedulesModule,
      imports: [TypeOrmModule.forFeature([ScheduleEntity]), WorkflowsModule],
      providers: [
        { provide: SCHEDULE_DEFINITIONS, useValue: definitions },
        {
          provide: SCHEDULES_QUEUE,
          inject: [TOMO_CONFIG],
          useFactory: (config: CommonConfig) => createSchedulesQueue(config),
        },
        SchedulesService,
      ],
      exports: [SchedulesService],
    };
  }
}

/** Schedules plus the tick processor: import once, in the worker process. */
@Module({})
export class SchedulesWorkerModule {
  static forRoot(definitions: readonly ScheduleDefinition[], options: SchedulesWorkerOptions = {}): DynamicModule {
    return {
      module: SchedulesWorkerModule,
      imports: [SchedulesModule.forRoot(definitions)],
      providers: [{ provide: SCHEDULES_WORKER_OPTIONS, useValue: options }, ScheduleTickWorker],
    };
  }
}
