import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, JobKind, meansServerOffline, TomoException } from '@tomo/shared';
import { defineWorkflow } from '@tomo/workflows';
import type { ServerEntity } from './entities';
import {
  type CpuTicks,
  cpuPercentBetween,
  parseContainerStates,
  parseDf,
  parseLoadAvg,
  parseMemInfo,
  parseProcStat,
} from './server-facts';
import { DEFAULT_RAW_RETENTION_HOURS, type MetricValues, type ServerMetricsStore } from './server-metrics.store';
import type { ServerCommands } from './server-commands';
import { ServerStatus } from './server-status';
import type { ServersService } from './servers.service';

export interface CollectServerMetricsInput {
  /** Only this server (default: every server whose credentials and host key are in order). */
  serverId?: string;
  rawRetentionHours?: number;
  hourlyRetentionDays?: number;
}

declare module '@tomo/workflows' {
  interface JobInputs {
    [JobKind.MaintenanceCollectServerMetrics]: CollectServerMetricsInput;
  }
}

/**
 * For the schedules module (registered by the lead): collect every minute. The interval is the
 * schedule's, which admins change through the schedules settings.
 */
export const COLLECT_SERVER_METRICS_SCHEDULE = {
  name: 'collect-server-metrics',
  kind: JobKind.MaintenanceCollectServerMetrics,
  everySeconds: 60,
  description:
    'Samples CPU, memory, disk, load and container counts of every server; downsamples and prunes old samples.',
  input: (): CollectServerMetricsInput => ({}),
} as const;

/** A previous sample older than this is no base for a CPU delta (a short second reading is taken instead). */
const MAX_DELTA_BASE_AGE_MS = 10 * 60_000;
const SERVER_TIMEOUT_MS = 30_000;
const PARALLEL_SERVERS = 4;
/** Servers that would only fail again (and count against fail2ban-style lockouts). */
const SKIPPED_STATUSES = new Set([ServerStatus.AuthFailed, ServerStatus.HostKeyMismatch]);

export interface CollectMetricsDeps {
  servers: ServersService;
  metrics: ServerMetricsStore;
  shell: () => ServerCommands;
  /** The metricsRetentionDays setting, read at each run. */
  hourlyRetentionDays: () => Promise<number>;
}

/** collect (per server, in parallel) → downsample → prune. */
export function collectServerMetricsWorkflow({ servers, metrics, shell, hourlyRetentionDays }: CollectMetricsDeps) {
  const sampleServer = async (
    server: ServerEntity,
    signal: AbortSignal,
  ): Promise<MetricValues & { ticks: CpuTicks | null }> => {
    const run = async (argv: string[]) => shell().run(server.id, argv, { signal, timeoutMs: SERVER_TIMEOUT_MS });
    const proc = await run(['cat', '/proc/stat', '/proc/meminfo', '/proc/loadavg']);
    if (proc.exitCode !== 0)
      throw new TomoException(
        ErrorCode.BadUserInput,
        `cannot read /proc (exit ${proc.exitCode}): ${proc.stderr.trim().slice(0, 200)}`,
      );
    const ticks = parseProcStat(proc.stdout);
    let cpuPercent: number | null = null;
    if (ticks) {
      const previous = await metrics.latestRaw(server.id);
      const usable =
        previous?.cpuTotalTicks != null &&
        previous.cpuIdleTicks != null &&
        Date.now() - previous.at.getTime() < MAX_DELTA_BASE_AGE_MS;
      if (usable)
        cpuPercent = cpuPercentBetween(
          {
            total: previous.cpuTotalTicks ?? 0,
            idle: previous.cpuIdleTicks ?? 0,
          },
          ticks,
        );
      if (cpuPercent === null) {
        // First sample (or after a reboot/gap): a delta over one second.
        await sleep(1_000, undefined, { signal });
        const again = parseProcStat((await run(['cat', '/proc/stat'])).stdout);
        cpuPercent = again ? cpuPercentBetween(ticks, again) : null;
      }
    }
    const memory = parseMemInfo(proc.stdout);
    const load = parseLoadAvg(proc.stdout);
    const df = await run(['df', '-Pk', '/']);
    const disk = df.exitCode === 0 ? parseDf(df.stdout) : null;
    const ps = await run(['docker', 'ps', '-a', '--format', '{{.State}}']);
    const containers = ps.exitCode === 0 ? parseContainerStates(ps.stdout) : null;
    return {
      ticks,
      cpuPercent,
      memoryTotalBytes: memory?.totalBytes ?? null,
      memoryUsedBytes: memory && memory.availableBytes !== null ? memory.totalBytes - memory.availableBytes : null,
      diskTotalBytes: disk?.totalBytes ?? null,
      diskUsedBytes: disk?.usedBytes ?? null,
      load1: load?.load1 ?? null,
      load5: load?.load5 ?? null,
      load15: load?.load15 ?? null,
      containersRunning: containers?.running ?? null,
      containersTotal: containers?.total ?? null,
    };
  };

  const workflow = defineWorkflow({
    kind: JobKind.MaintenanceCollectServerMetrics,
  });
  const collect = workflow.step('collect', {
    // The next scheduled run is the retry.
    retry: { maxAttempts: 1 },
    timeoutMs: 5 * 60_000,
    run: async (ctx) => {
      const only = ctx.input.serverId ?? ctx.serverId;
      const targets = only
        ? [await servers.get(only)]
        : (await servers.list()).filter((s) => !SKIPPED_STATUSES.has(s.status));
      const failed: string[] = [];
      let sampled = 0;
      const queue = [...targets];
      const worker = async () => {
        for (let server = queue.shift(); server; server = queue.shift()) {
          ctx.signal.throwIfAborted();
          const at = new Date();
          try {
            const { ticks, ...values } = await sampleServer(
              server,
              AbortSignal.any([ctx.signal, AbortSignal.timeout(SERVER_TIMEOUT_MS * 2)]),
            );
            await metrics.addSample(server.id, at, values, ticks);
            await servers.recordStatus(server.id, {
              lastSeenAt: at,
              // Back from OFFLINE: whether Docker answers decides between ONLINE and NO_DOCKER.
              ...(server.status === ServerStatus.Offline && {
                status: values.containersTotal === null ? ServerStatus.NoDocker : ServerStatus.Online,
                statusMessage: null,
              }),
            });
            sampled += 1;
            ctx.log(
              `${server.name}: cpu ${values.cpuPercent ?? '?'}%, load ${values.load1 ?? '?'}, ` +
                `containers ${values.containersRunning ?? '?'}/${values.containersTotal ?? '?'}`,
            );
          } catch (error) {
            ctx.signal.throwIfAborted();
            failed.push(server.name);
            const message = error instanceof Error ? error.message : String(error);
            ctx.log(`${server.name}: not sampled: ${message}`);
            if (meansServerOffline(error) && server.status !== ServerStatus.Offline) {
              await servers.recordStatus(server.id, {
                status: ServerStatus.Offline,
                statusMessage: message,
              });
            } else if (error instanceof TomoException && error.code === ErrorCode.SshAuthFailed) {
              await servers.recordStatus(server.id, {
                status: ServerStatus.AuthFailed,
                statusMessage: message,
              });
            }
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL_SERVERS, targets.length) }, worker));
      if (targets.length > 0 && sampled === 0) {
        throw new TomoException(ErrorCode.ServerUnreachable, `No server could be sampled (${failed.join(', ')})`);
      }
      return { sampled, failed };
    },
  });
  const downsample = workflow.step('downsample', {
    run: async (ctx) => {
      const written = await metrics.downsample(new Date());
      ctx.log(`${written} hourly average(s) written`);
      return { written };
    },
  });
  workflow.step('prune', {
    run: async (ctx) => {
      const policy = {
        rawRetentionHours: ctx.input.rawRetentionHours ?? DEFAULT_RAW_RETENTION_HOURS,
        hourlyRetentionDays: ctx.input.hourlyRetentionDays ?? (await hourlyRetentionDays()),
      };
      const deleted = await metrics.prune(new Date(), policy);
      ctx.log(
        `Deleted ${deleted.raw} raw sample(s) older than ${policy.rawRetentionHours} h and ${deleted.hourly} hourly point(s) older than ${policy.hourlyRetentionDays} d`,
      );
      return { ...deleted, ...policy };
    },
  });
  return workflow.returns((run) => ({
    ...run.output(collect),
    downsampled: run.output(downsample).written,
  }));
}
