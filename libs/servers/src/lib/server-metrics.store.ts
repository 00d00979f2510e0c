import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { And, Between, LessThan, MoreThanOrEqual, type Repository } from 'typeorm';
import { RAW_SAMPLE, ServerMetricEntity } from './entities';

/** Length of a downsampled bucket. */
export const HOURLY_BUCKET_SECONDS = 3_600;
/** Raw samples are kept this long (then only their hourly averages remain). */
export const DEFAULT_RAW_RETENTION_HOURS = 48;
/** Hourly averages are kept this long. */
export const DEFAULT_HOURLY_RETENTION_DAYS = 90;

const HOUR_MS = HOURLY_BUCKET_SECONDS * 1_000;
const AVERAGED = [
  'cpuPercent',
  'memoryUsedBytes',
  'memoryTotalBytes',
  'diskUsedBytes',
  'diskTotalBytes',
  'load1',
  'load5',
  'load15',
  'containersRunning',
  'containersTotal',
] as const;

export type MetricValues = Pick<ServerMetricEntity, (typeof AVERAGED)[number]>;

/** Hears of each stored sample; awaited by `addSample`, so it must catch its own errors. */
export type SampleListener = (serverId: string, values: MetricValues) => Promise<void>;

export interface RetentionPolicy {
  rawRetentionHours: number;
  hourlyRetentionDays: number;
}

const floorToHour = (at: Date) => new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);

/**
 * The metrics time series: raw samples (one per collection) and hourly averages. Charts read
 * raw points for the recent past and hourly points before that.
 */
@Injectable()
export class ServerMetricsStore {
  private readonly sampleListeners: SampleListener[] = [];

  constructor(
    @InjectRepository(ServerMetricEntity)
    private readonly repo: Repository<ServerMetricEntity>,
  ) {}

  /** The newest raw sample of a server (its CPU counters are the base of the next delta). */
  latestRaw(serverId: string): Promise<ServerMetricEntity | null> {
    return this.repo.findOne({
      where: { serverId, bucketSeconds: RAW_SAMPLE },
      order: { at: 'DESC' },
    });
  }

  /** The newest raw sample of each server that has one, by server id: one query for every server (the dashboard). */
  async latestRawByServer(): Promise<Map<string, ServerMetricEntity>> {
    const rows = await this.repo
      .createQueryBuilder('m')
      .where('m.bucketSeconds = :raw', { raw: RAW_SAMPLE })
      // The primary key (serverId, bucketSeconds, at) answers the MAX of each server.
      .andWhere(
        'm.at = (SELECT MAX("n"."at") FROM "server_metric" "n" WHERE "n"."serverId" = "m"."serverId" AND "n"."bucketSeconds" = :raw)',
      )
      .getMany();
    return new Map(rows.map((row) => [row.serverId, row]));
  }

  async addSample(
    serverId: string,
    at: Date,
    values: MetricValues,
    cpuTicks: { total: number; idle: number } | null,
  ): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .insert()
      .values({
        serverId,
        bucketSeconds: RAW_SAMPLE,
        at,
        samples: 1,
        ...values,
        cpuTotalTicks: cpuTicks?.total ?? null,
        cpuIdleTicks: cpuTicks?.idle ?? null,
      })
      .orIgnore()
      .execute();
    for (const listener of this.sampleListeners) await listener(serverId, values);
  }

  /** For checks of each new sample (the worker's DISK_LOW notifier, libs/notifications). */
  onSample(listener: SampleListener): void {
    this.sampleListeners.push(listener);
  }

  /**
   * Averages the raw samples of every finished hour that has no hourly row yet. Idempotent:
   * a bucket is written once (INSERT … ON CONFLICT DO NOTHING), later runs start after it.
   */
  async downsample(now: Date): Promise<number> {
    const currentHour = floorToHour(now);
    const servers: { serverId: string }[] = await this.repo
      .createQueryBuilder('m')
      .select('m.serverId', 'serverId')
      .where('m.bucketSeconds = :raw', { raw: RAW_SAMPLE })
      .andWhere('m.at < :currentHour', { currentHour })
      .groupBy('m.serverId')
      .getRawMany();
    let written = 0;
    for (const { serverId } of servers) {
      const lastBucket = await this.repo.findOne({
        where: { serverId, bucketSeconds: HOURLY_BUCKET_SECONDS },
        order: { at: 'DESC' },
      });
      const from = lastBucket ? new Date(lastBucket.at.getTime() + HOUR_MS) : new Date(0);
      if (from >= currentHour) continue;
      const samples = await this.repo.find({
        where: {
          serverId,
          bucketSeconds: RAW_SAMPLE,
          at: And(MoreThanOrEqual(from), LessThan(currentHour)),
        },
        order: { at: 'ASC' },
      });
      const buckets = new Map<number, ServerMetricEntity[]>();
      for (const sample of samples) {
        const key = floorToHour(sample.at).getTime();
        buckets.set(key, [...(buckets.get(key) ?? []), sample]);
      }
      for (const [start, rows] of buckets) {
        const averages = Object.fromEntries(
          AVERAGED.map((field) => [
            field,
            average(
              rows.map((row) => row[field]),
              field.endsWith('Bytes') ? 0 : 2,
            ),
          ]),
        ) as MetricValues;
        const result = await this.repo
          .createQueryBuilder()
          .insert()
          .values({
            serverId,
            bucketSeconds: HOURLY_BUCKET_SECONDS,
            at: new Date(start),
            samples: rows.length,
            ...averages,
            cpuTotalTicks: null,
            cpuIdleTicks: null,
          })
          .orIgnore()
          .execute();
        written += result.identifiers.length > 0 ? 1 : 0;
      }
    }
    return written;
  }

  /** Deletes raw samples and hourly rows past their retention. */
  async prune(now: Date, policy: RetentionPolicy): Promise<{ raw: number; hourly: number }> {
    const rawBefore = new Date(now.getTime() - policy.rawRetentionHours * HOUR_MS);
    const hourlyBefore = new Date(now.getTime() - policy.hourlyRetentionDays * 24 * HOUR_MS);
    const raw = await this.repo.delete({
      bucketSeconds: RAW_SAMPLE,
      at: LessThan(rawBefore),
    });
    const hourly = await this.repo.delete({
      bucketSeconds: HOURLY_BUCKET_SECONDS,
      at: LessThan(hourlyBefore),
    });
    return { raw: raw.affected ?? 0, hourly: hourly.affected ?? 0 };
  }

  /**
   * Points since `since`, oldest first: hourly averages for the hours before the oldest raw
   * sample still kept, raw samples after that.
   */
  async series(serverId: string, since: Date, now = new Date()): Promise<ServerMetricEntity[]> {
    const oldestRaw = await this.repo.findOne({
      where: {
        serverId,
        bucketSeconds: RAW_SAMPLE,
        at: MoreThanOrEqual(since),
      },
      order: { at: 'ASC' },
    });
    const rawFrom = oldestRaw ? oldestRaw.at : now;
    const hourly =
      since < floorToHour(rawFrom)
        ? await this.repo.find({
            where: {
              serverId,
              bucketSeconds: HOURLY_BUCKET_SECONDS,
              at: Between(floorToHour(since), new Date(floorToHour(rawFrom).getTime() - 1)),
            },
            order: { at: 'ASC' },
          })
        : [];
    const raw = oldestRaw
      ? await this.repo.find({
          where: {
            serverId,
            bucketSeconds: RAW_SAMPLE,
            at: MoreThanOrEqual(rawFrom),
          },
          order: { at: 'ASC' },
        })
      : [];
    return [...hourly.filter((row) => row.at.getTime() + HOUR_MS > since.getTime()), ...raw];
  }
}

/** Mean of the known values, rounded to `decimals` (byte counts are BIGINT columns: whole numbers). */
function average(values: (number | null)[], decimals: number): number | null {
  const present = values.filter((value): value is number => value !== null);
  if (present.length === 0) return null;
  const scale = 10 ** decimals;
  return Math.round((present.reduce((sum, value) => sum + value, 0) / present.length) * scale) / scale;
}
