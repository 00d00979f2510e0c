import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { Repository } from 'typeorm';
import { ErrorCode, isFinishedJobStatus, type JobStatus, TomoException } from '@tomo/shared';
import { closeQueue, type JobRow, JobsService } from '@tomo/workflows';
import type { ScheduleDefinition } from './schedule-definition';
import { ScheduleEntity } from './schedule.entity';
import { SCHEDULE_TICK, SCHEDULES_QUEUE, type ScheduleTickData } from './schedules-queue';

export const SCHEDULE_DEFINITIONS = Symbol('SCHEDULE_DEFINITIONS');

/** Bounds of a schedule's interval: often enough for metrics, rare enough for monthly chores. */
export const MIN_INTERVAL_SECONDS = 10;
export const MAX_INTERVAL_SECONDS = 30 * 86_400;

/** A schedule as the API shows it. */
export interface ScheduleView {
  name: string;
  description: string | null;
  kind: string;
  everySeconds: number;
  paused: boolean;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  lastJobId: string | null;
  lastStatus: JobStatus | null;
}

/**
 * Periodic workflows. Each schedule is a BullMQ job scheduler on the schedules queue (so
 * however many workers and API replicas run, each interval ticks once); a tick starts the
 * schedule's workflow through JobsService unless the previous run is still going.
 */
@Injectable()
export class SchedulesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SchedulesService.name);
  private readonly definitions: Map<string, ScheduleDefinition>;

  constructor(
    @Inject(SCHEDULE_DEFINITIONS) definitions: readonly ScheduleDefinition[],
    @InjectRepository(ScheduleEntity) private readonly schedules: Repository<ScheduleEntity>,
    @Inject(SCHEDULES_QUEUE) private readonly queue: Queue<ScheduleTickData>,
    private readonly jobs: JobsService,
  ) {
    this.definitions = new Map(definitions.map((definition) => [definition.name, definition]));
    if (this.definitions.size !== definitions.length) {
      throw new Error('Two schedules share a name: schedule names must be unique');
    }
  }

  /** Every process makes sure each schedule has its row (idempotent; database only). */
  async onApplicationBootstrap(): Promise<void> {
    await this.ensureRows();
  }

  /**
   * Installs each schedule's BullMQ job scheduler, or removes it while paused. Workers call
   * it at start (idempotent); the API does not, so it starts and reports readiness even while
   * Redis is down.
   */
  async installSchedulers(): Promise<void> {
    await this.ensureRows();
    for (const name of this.definitions.keys()) await this.applyScheduler(await this.row(name));
  }

  /**
   * Puts back the job scheduler of every running (not paused) schedule that Redis no longer
   * has (it restarted without its data, or was flushed); returns their names. Without this a
   * schedule would stay silent until the next worker start.
   */
  async repairSchedulers(): Promise<string[]> {
    const repaired: string[] = [];
    for (const name of this.definitions.keys()) {
      const row = await this.row(name);
      if (row.paused || (await this.queue.getJobScheduler(name))) continue;
      await this.applyScheduler(row);
      repaired.push(name);
    }
    return repaired;
  }

  private async ensureRows(): Promise<void> {
    for (const definition of this.definitions.values()) {
      await this.schedules
        .createQueryBuilder()
        .insert()
        .values({ name: definition.name, everySeconds: definition.everySeconds, paused: false, updatedAt: new Date() })
        .orIgnore()
        .execute();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await closeQueue(this.queue);
  }

  async list(): Promise<ScheduleView[]> {
    const rows = await this.schedules.find({ order: { name: 'ASC' } });
    const known = rows.filter((row) => this.definitions.has(row.name));
    return Promise.all(known.map((row) => this.view(row)));
  }

  async get(name: string): Promise<ScheduleView> {
    return this.view(await this.row(name));
  }

  /** Starts a run now, whatever the interval says. */
  async run(name: string, requestedBy: string | null): Promise<JobRow> {
    const definition = this.definition(name);
    const job = await this.jobs.create(definition.kind, definition.input(), { requestedBy });
    await this.schedules.update(name, { lastRunAt: new Date(), lastJobId: job.id, updatedAt: new Date() });
    return job;
  }

  async setPaused(name: string, paused: boolean): Promise<ScheduleView> {
    this.definition(name);
    await this.schedules.update(name, { paused, updatedAt: new Date() });
    const row = await this.row(name);
    await this.applyScheduler(row);
    return this.view(row);
  }

  /**
   * Changes a schedule's interval (10 s to 30 days) and re-installs its job scheduler, so the
   * next tick follows the new interval in every worker. BAD_USER_INPUT for a wrong value.
   */
  async setInterval(name: string, everySeconds: number): Promise<ScheduleView> {
    this.assertInterval(name, everySeconds);
    await this.schedules.update(name, { everySeconds, updatedAt: new Date() });
    const row = await this.row(name);
    await this.applyScheduler(row);
    return this.view(row);
  }

  /** Throws NOT_FOUND for an unknown schedule, BAD_USER_INPUT for an interval out of bounds. */
  assertInterval(name: string, everySeconds: number): void {
    this.definition(name);
    if (!Number.isInteger(everySeconds) || everySeconds < MIN_INTERVAL_SECONDS || everySeconds > MAX_INTERVAL_SECONDS) {
      throw new TomoException(
        ErrorCode.BadUserInput,
        `schedules ${name}: everySeconds must be a whole number from ${MIN_INTERVAL_SECONDS} to ${MAX_INTERVAL_SECONDS} (got ${everySeconds})`,
      );
    }
  }

  /**
   * One tick (from the worker). `tickId` is the BullMQ job id of the tick: a tick delivered
   * twice starts one run (it is the run's idempotency key).
   */
  async tick(name: string, tickId: string): Promise<JobRow | null> {
    const definition = this.definitions.get(name);
    if (!definition) {
      this.logger.warn(`Tick for unknown schedule "${name}" ignored`);
      return null;
    }
    const row = await this.row(name);
    if (row.paused) return null;
    if (row.lastJobId) {
      const last = await this.jobs.get(row.lastJobId).catch(() => null);
      if (last && !isFinishedJobStatus(last.status)) {
        this.logger.log(`Schedule ${name}: previous run ${last.id} is still ${last.status}; skipping this tick`);
        return null;
      }
    }
    const job = await this.jobs.create(definition.kind, definition.input(), {
      requestedBy: `schedule:${name}`,
      idempotencyKey: `schedule:${tickId}`,
    });
    await this.schedules.update(name, { lastRunAt: new Date(), lastJobId: job.id, updatedAt: new Date() });
    return job;
  }

  private async applyScheduler(row: ScheduleEntity): Promise<void> {
    if (row.paused) {
      await this.queue.removeJobScheduler(row.name);
      return;
    }
    await this.queue.upsertJobScheduler(
      row.name,
      { every: row.everySeconds * 1000 },
      { name: SCHEDULE_TICK, data: { schedule: row.name } },
    );
  }

  private async view(row: ScheduleEntity): Promise<ScheduleView> {
    const definition = this.definition(row.name);
    const scheduler = row.paused ? undefined : await this.queue.getJobScheduler(row.name);
    const last = row.lastJobId ? await this.jobs.get(row.lastJobId).catch(() => null) : null;
    return {
      name: row.name,
      description: definition.description ?? null,
      kind: definition.kind,
      everySeconds: row.everySeconds,
      paused: row.paused,
      nextRunAt: scheduler?.next ? new Date(scheduler.next) : null,
      lastRunAt: row.lastRunAt,
      lastJobId: row.lastJobId,
      lastStatus: last?.status ?? null,
    };
  }

  private definition(name: string): ScheduleDefinition {
    const definition = this.definitions.get(name);
    if (!definition) {
      const names = [...this.definitions.keys()].join(', ');
      throw new TomoException(ErrorCode.NotFound, `Schedule "${name}" does not exist (schedules: ${names})`);
    }
    return definition;
  }

  private async row(name: string): Promise<ScheduleEntity> {
    const row = await this.schedules.findOneBy({ name });
    if (!row) throw new TomoException(ErrorCode.NotFound, `Schedule "${name}" does not exist`);
    return row;
  }
}
