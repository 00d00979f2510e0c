import { z } from 'zod';
import type { DeploymentEntity } from '@tomo/deployments';
import type { DeploymentConfig } from '@tomo/deployments';
import type { ServerEntity } from '@tomo/servers';
import { JobStatus } from '@tomo/shared';
import type { JobRow } from '@tomo/workflows';
import type { ResourceLinkOut, ToolOutcome } from './mcp-tool';

/** Dates leave as ISO strings: structured content is JSON. */
export const isoTime = (what: string) => z.string().describe(`${what} (ISO 8601, UTC)`);
const nullableTime = (what: string) => isoTime(what).nullable();
export const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export const id = (entity: string) => z.string().min(1).max(200).describe(`The ${entity}'s id.`);

// ---- paging: list tools never return more than a page (the cost limit of the MCP door) ----

export const MAX_PAGE = 100;
export const pageArgs = {
  first: z
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE)
    .default(50)
    .describe(`How many items to return (1-${MAX_PAGE}, default 50).`),
  after: z.string().max(200).optional().describe("The previous page's pageInfo.endCursor, to read the next page."),
};
export const pageInfo = z
  .object({
    hasNextPage: z.boolean().describe('Whether more items follow: call again with after = endCursor.'),
    endCursor: z.string().nullable().describe('Pass as `after` to read the next page.'),
  })
  .describe('Where this page ends.');

/** A page of an in-memory list; the cursor is the offset. */
export function pageOf<T>(
  items: readonly T[],
  first: number,
  after: string | undefined,
): { items: T[]; pageInfo: z.infer<typeof pageInfo> } {
  const start = after
    ? Number(
        Buffer.from(after, 'base64url')
          .toString('utf8')
          .replace(/^offset:/, ''),
      )
    : 0;
  const from = Number.isInteger(start) && start >= 0 ? start : 0;
  const slice = items.slice(from, from + first);
  const end = from + slice.length;
  return {
    items: slice,
    pageInfo: {
      hasNextPage: end < items.length,
      endCursor: slice.length > 0 ? Buffer.from(`offset:${end}`).toString('base64url') : null,
    },
  };
}

// ---- jobs ----

export const jobStatus = z
  .enum(JobStatus)
  .describe('QUEUED, RUNNING, WAITING (on a lock or a retry delay), SUCCEEDED, FAILED or CANCELLED.');
const errorOut = z
  .object({ code: z.string(), message: z.string() })
  .nullable()
  .describe('Why it failed (domain error code and message); null otherwise.');

export const jobSummary = z.object({
  jobId: z.string().describe('Follow it with wait_for_job or get_job.'),
  kind: z.string().describe('What the job does, e.g. deployment.install.'),
  status: jobStatus,
  serverId: z.string().nullable(),
  deploymentId: z.string().nullable(),
  createdAt: isoTime('When it was created'),
  startedAt: nullableTime('When a worker started it'),
  finishedAt: nullableTime('When it ended'),
  error: errorOut,
});

export function jobSummaryOf(job: JobRow): z.input<typeof jobSummary> {
  return {
    jobId: job.id,
    kind: job.kind,
    status: job.status,
    serverId: job.serverId,
    deploymentId: job.deploymentId,
    createdAt: job.createdAt.toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? '' } : null,
  };
}

/** What tools that start work return at once. */
export const startedJob = {
  jobId: z.string().describe('The job doing the work: wait_for_job({ jobId }) or get_job({ jobId }) to follow it.'),
  status: jobStatus,
  kind: z.string().describe('The workflow, e.g. deployment.install.'),
  deploymentId: z.string().nullable().optional().describe('The deployment the job acts on, when there is one.'),
};

export const jobLink = (jobId: string): ResourceLinkOut => ({
  uri: `tomo://jobs/${jobId}`,
  name: `job ${jobId}`,
  description: 'The job timeline (steps, attempts, errors, last log lines); the same as get_job.',
});

export function started(
  job: JobRow,
  what: string,
): ToolOutcome<{ jobId: string; status: JobStatus; kind: string; deploymentId?: string | null }> {
  return {
    structured: { jobId: job.id, status: job.status, kind: job.kind, deploymentId: job.deploymentId },
    summary: `${what}: job ${job.id} (${job.kind}) is ${job.status}. Call wait_for_job({ jobId: "${job.id}" }) to follow it to the end, or get_job for its timeline.`,
    links: [jobLink(job.id)],
  };
}

// ---- servers ----

export const serverOut = z.object({
  serverId: z.string(),
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  username: z.string(),
  authType: z.string().describe('PASSWORD or KEY (the secret itself is never returned).'),
  status: z.string().describe('UNKNOWN, ONLINE, OFFLINE, AUTH_FAILED or HOST_KEY_MISMATCH.'),
  statusMessage: z.string().nullable(),
  hostKeyFingerprint: z.string().nullable(),
  dockerVersion: z.string().nullable(),
  os: z.string().nullable(),
  arch: z.string().nullable(),
  cpuCount: z.number().nullable(),
  memoryBytes: z.number().nullable(),
  diskBytes: z.number().nullable(),
  networkMode: z.string(),
  maxConcurrentJobs: z.number().int(),
  pruneImages: z.boolean(),
  lastSeenAt: nullableTime('Last successful contact'),
  createdAt: isoTime('Added'),
});

/** The public fields of a server: never its credentials. */
export function serverOf(server: ServerEntity): z.input<typeof serverOut> {
  return {
    serverId: server.id,
    name: server.name,
    host: server.host,
    port: server.port,
    username: server.username,
    authType: server.authType,
    status: server.status,
    statusMessage: server.statusMessage,
    hostKeyFingerprint: server.hostKeyFingerprint,
    dockerVersion: server.dockerVersion,
    os: server.os,
    arch: server.arch,
    cpuCount: server.cpuCount,
    memoryBytes: server.memoryBytes,
    diskBytes: server.diskBytes,
    networkMode: server.networkMode,
    maxConcurrentJobs: server.maxConcurrentJobs,
    pruneImages: server.pruneImages,
    lastSeenAt: iso(server.lastSeenAt),
    createdAt: server.createdAt.toISOString(),
  };
}

// ---- deployments ----

export const deploymentConfigOut = z.object({
  env: z.array(
    z.object({
      name: z.string(),
      value: z.string().nullable().describe('null for a secret value (never returned).'),
      secret: z.boolean(),
    }),
  ),
  ports: z.array(z.object({ container: z.number().int(), host: z.number().int(), protocol: z.string() })),
  volumes: z.array(z.object({ container: z.string(), host: z.string(), readOnly: z.boolean() })),
  network: z.string(),
  pullPolicy: z.string(),
});

export const deploymentOut = z.object({
  deploymentId: z.string(),
  serverId: z.string(),
  appId: z.string(),
  status: z.string().describe('INSTALLING, RUNNING, STOPPED, UNHEALTHY, MISSING, FAILED or UNINSTALLING.'),
  statusMessage: z.string().nullable(),
  containerName: z.string(),
  containerId: z.string().nullable(),
  image: z.string(),
  accessUrls: z.array(z.string()),
  config: deploymentConfigOut.describe('Secret env values are null.'),
  lastJobId: z.string().nullable().describe('The last job that acted on it (get_job).'),
  createdAt: isoTime('Installed'),
  updatedAt: isoTime('Last changed'),
});

export function deploymentOf(row: DeploymentEntity, publicConfig: DeploymentConfig): z.input<typeof deploymentOut> {
  return {
    deploymentId: row.id,
    serverId: row.serverId,
    appId: row.appId,
    status: row.status,
    statusMessage: row.statusMessage,
    containerName: row.containerName,
    containerId: row.containerId,
    image: row.image,
    accessUrls: row.accessUrls,
    config: publicConfig,
    lastJobId: row.lastJobId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
