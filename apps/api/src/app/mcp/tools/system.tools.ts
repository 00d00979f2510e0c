import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { type ApiConfig, TOMO_CONFIG } from '@tomo/config';
import { REDIS_CLIENT } from '@tomo/redis';
import { systemSettingsSchema } from '@tomo/settings';
import { Role } from '@tomo/shared';
import { version } from '../../../../../../package.json';
import { DashboardResolver } from '../../dashboard/dashboard.resolver';
import { SystemSettingsService } from '../../settings/system-settings.service';
import { isoTime, iso, jobSummary, jobSummaryOf } from '../mcp-schemas';
import { asInput, defineTool, type McpTool, READ } from '../mcp-tool';

const PING_TIMEOUT_MS = 2_000;

const statusCounts = z.array(z.object({ status: z.string(), count: z.number().int() }));

const scheduleIntervals = z
  .array(
    z.object({
      name: z.string().describe('A schedule, e.g. collect-server-metrics.'),
      everySeconds: z.number().int().min(10).max(2_592_000).describe('Seconds between runs (10 s to 30 days).'),
    }),
  )
  .describe('How often each maintenance schedule runs.');

/** Health, the dashboard and the settings: thin tools over the services their GraphQL operations use. */
@Injectable()
export class SystemTools {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(TOMO_CONFIG) private readonly config: ApiConfig,
    private readonly dashboard: DashboardResolver,
    private readonly settings: SystemSettingsService,
  ) {}

  tools(): McpTool[] {
    return [
      defineTool({
        name: 'health_check',
        title: 'Health check',
        description:
          'Whether Tomo can work: its database and Redis (the job queue) answer. Also tells the version, your role and whether this door is read-only. Call it first when other tools fail with UNAVAILABLE.',
        role: Role.Viewer,
        behaviour: READ,
        input: {},
        output: {
          ok: z.boolean().describe('Database and Redis both answer.'),
          database: z.enum(['up', 'down']),
          redis: z.enum(['up', 'down']),
          version: z.string(),
          role: z.string().describe('The role of the token you use: what you may call.'),
          readOnly: z.boolean().describe('MCP_READ_ONLY: only tools that change nothing are offered.'),
        },
        run: async (_args, call) => {
          const [database, redis] = await Promise.all([
            this.probe(() => this.dataSource.query('SELECT 1')),
            this.probe(() => this.redis.ping()),
          ]);
          const ok = database === 'up' && redis === 'up';
          return {
            structured: { ok, database, redis, version, role: call.principal.role, readOnly: this.config.mcp.readOnly },
            summary: ok ? `Tomo ${version} is healthy.` : `Tomo ${version}: database ${database}, Redis ${redis}.`,
          };
        },
      }),
      defineTool({
        name: 'get_dashboard_metrics',
        title: 'Dashboard overview',
        description:
          'The monitoring overview in one call: servers and deployments per status, the newest metrics of each server, jobs queued/running/waiting now and finished in the last 24 h, the active and the newest jobs.',
        role: Role.Viewer,
        behaviour: READ,
        input: {},
        output: {
          serverCount: z.number().int(),
          serversByStatus: statusCounts,
          servers: z.array(
            z.object({
              serverId: z.string(),
              name: z.string(),
              status: z.string(),
              sampledAt: isoTime('Newest sample').nullable(),
              cpuPercent: z.number().nullable(),
              memoryUsedBytes: z.number().nullable(),
              memoryTotalBytes: z.number().nullable(),
              diskUsedBytes: z.number().nullable(),
              diskTotalBytes: z.number().nullable(),
              containersRunning: z.number().nullable(),
            }),
          ),
          deploymentCount: z.number().int(),
          deploymentsByStatus: statusCounts,
          jobs: z.object({
            queued: z.number().int(),
            running: z.number().int(),
            waiting: z.number().int(),
            succeededLast24h: z.number().int(),
            failedLast24h: z.number().int(),
            cancelledLast24h: z.number().int(),
          }),
          activeJobs: z.array(jobSummary),
          recentJobs: z.array(jobSummary),
          at: isoTime('When the figures were read'),
        },
        run: async () => {
          const board = await this.dashboard.read(['name']);
          return {
            structured: {
              serverCount: board.serverCount,
              serversByStatus: board.serversByStatus,
              servers: board.servers.map(({ server, latest }) => ({
                serverId: server.id,
                name: server.name,
                status: server.status,
                sampledAt: iso(latest?.at ?? null),
                cpuPercent: latest?.cpuPercent ?? null,
                memoryUsedBytes: latest?.memoryUsedBytes ?? null,
                memoryTotalBytes: latest?.memoryTotalBytes ?? null,
                diskUsedBytes: latest?.diskUsedBytes ?? null,
                diskTotalBytes: latest?.diskTotalBytes ?? null,
                containersRunning: latest?.containersRunning ?? null,
              })),
              deploymentCount: board.deploymentCount,
              deploymentsByStatus: board.deploymentsByStatus,
              jobs: board.jobs,
              activeJobs: board.activeJobs.map(jobSummaryOf),
              recentJobs: board.recentJobs.map(jobSummaryOf),
              at: board.at.toISOString(),
            },
            summary: `${board.serverCount} server(s), ${board.deploymentCount} deployment(s), ${board.jobs.running} job(s) running, ${board.jobs.failedLast24h} failed in 24 h.`,
          };
        },
      }),
      defineTool({
        name: 'get_settings',
        title: 'Get system settings',
        description:
          'The system settings in force: session idle timeout, login lifetime, retention of jobs/metrics/audit, default pull policy and the interval of every schedule. Change them with update_settings.',
        role: Role.Admin,
        behaviour: READ,
        input: {},
        output: { ...systemSettingsSchema.shape, schedules: scheduleIntervals },
        run: async () => ({ structured: await this.settings.get(), summary: 'The system settings in force.' }),
      }),
      defineTool({
        name: 'update_settings',
        title: 'Change system settings',
        description:
          'Changes the settings given (others keep their value); schedules changes the interval of the schedules named. Everything is validated first: BAD_USER_INPUT names each wrong field and nothing changes. Applies without a restart. Returns the settings now in force.',
        role: Role.Admin,
        behaviour: { readOnly: false, destructive: false, idempotent: true, openWorld: false },
        audit: { action: 'updateSettings', targetType: 'settings', details: asInput },
        input: { ...systemSettingsSchema.partial().shape, schedules: scheduleIntervals.optional() },
        output: { ...systemSettingsSchema.shape, schedules: scheduleIntervals },
        run: async (input, call) => ({
          structured: await this.settings.update(input, call.principal.username),
          summary: 'Settings updated.',
        }),
      }),
    ];
  }

  private async probe(check: () => Promise<unknown>): Promise<'up' | 'down'> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), PING_TIMEOUT_MS))),
      ]);
      return 'up';
    } catch {
      return 'down';
    } finally {
      clearTimeout(timer);
    }
  }
}
