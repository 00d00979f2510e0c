import { Info, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { DeploymentsService } from '@tomo/deployments';
import { ServerMetricsStore, ServersService } from '@tomo/servers';
import { JobStatus, Role } from '@tomo/shared';
import { JobsService } from '@tomo/workflows';
import { Roles } from '../auth/access.decorator';
import { selectedFields } from '../graphql/selected-fields';
import { Dashboard, type StatusCount } from './dashboard.types';

const DAY_MS = 24 * 60 * 60_000;
const ACTIVE_JOBS = 20;
const RECENT_JOBS = 10;

@Resolver(() => Dashboard)
export class DashboardResolver {
  constructor(
    private readonly servers: ServersService,
    private readonly metrics: ServerMetricsStore,
    private readonly deployments: DeploymentsService,
    private readonly jobs: JobsService,
  ) {}

  @Roles(Role.Viewer)
  @Query(() => Dashboard, { description: 'The monitoring overview of the whole platform, read in one go.' })
  dashboard(@Info() info: GraphQLResolveInfo): Promise<Dashboard> {
    return this.read(selectedFields(info, ['servers', 'server']));
  }

  /** The dashboard, reading of each server only `serverFields` (its id and status always). */
  async read(serverFields: Iterable<string>): Promise<Dashboard> {
    const at = new Date();
    const [servers, latest, deploymentCounts, jobCounts, activeJobs, recent] = await Promise.all([
      this.servers.list(new Set(serverFields).add('status')),
      this.metrics.latestRawByServer(),
      this.deployments.countByStatus(),
      this.jobs.countByStatus(new Date(at.getTime() - DAY_MS)),
      this.jobs.unfinished(ACTIVE_JOBS),
      this.jobs.list({}, RECENT_JOBS),
    ]);
    return {
      serverCount: servers.length,
      serversByStatus: countBy(servers.map((server) => server.status)),
      servers: servers.map((server) => ({ server, latest: latest.get(server.id) ?? null })),
      deploymentCount: [...deploymentCounts.values()].reduce((sum, count) => sum + count, 0),
      deploymentsByStatus: byCount(deploymentCounts),
      jobs: {
        queued: jobCounts[JobStatus.Queued] ?? 0,
        running: jobCounts[JobStatus.Running] ?? 0,
        waiting: jobCounts[JobStatus.Waiting] ?? 0,
        succeededLast24h: jobCounts[JobStatus.Succeeded] ?? 0,
        failedLast24h: jobCounts[JobStatus.Failed] ?? 0,
        cancelledLast24h: jobCounts[JobStatus.Cancelled] ?? 0,
      },
      activeJobs,
      recentJobs: recent.jobs,
      at,
    };
  }
}

/** Occurring statuses with their counts, most frequent first (ties by name). */
function countBy(statuses: string[]): StatusCount[] {
  const counts = new Map<string, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return byCount(counts);
}

function byCount(counts: Map<string, number>): StatusCount[] {
  return [...counts]
    .map(([status, count]) => ({ status, count }))
    .sort((a, b) => b.count - a.count || a.status.localeCompare(b.status));
}
