import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { DeploymentsService } from '@tomo/deployments';
import { ServerAuthType, ServerMetricsStore, ServersService } from '@tomo/servers';
import { Role } from '@tomo/shared';
import { confirmField, requireConfirmation } from '../confirmation';
import {
  id,
  isoTime,
  iso,
  jobLink,
  pageArgs,
  pageInfo,
  pageOf,
  serverOf,
  serverOut,
  started,
  startedJob,
} from '../mcp-schemas';
import { asInput, defineTool, type McpTool, READ, REMOTE_JOB } from '../mcp-tool';

const MAX_METRIC_POINTS = 1_000;

const serverFields = {
  name: z.string().min(1).max(64).describe('A unique display name, e.g. "nas".'),
  host: z.string().min(1).max(253).describe('Host name or IP address reachable over SSH from Tomo.'),
  port: z.number().int().min(1).max(65535).describe('SSH port (1-65535, default 22).'),
  username: z.string().min(1).max(64).describe('SSH user; it must be allowed to run docker.'),
  authType: z
    .enum(ServerAuthType)
    .describe('PASSWORD (send password) or KEY (send privateKey, and passphrase if the key is encrypted).'),
  password: z.string().max(1024).describe('The SSH password, for PASSWORD. Stored encrypted, never returned.'),
  privateKey: z
    .string()
    .max(16384)
    .describe('An OpenSSH or PEM private key, for KEY. Stored encrypted, never returned.'),
  passphrase: z
    .string()
    .max(1024)
    .describe('The passphrase of an encrypted private key. Stored encrypted, never returned.'),
  networkMode: z
    .string()
    .max(64)
    .describe('Default network of deployments: host (default), bridge or a Docker network name.'),
  maxConcurrentJobs: z
    .number()
    .int()
    .min(1)
    .max(16)
    .describe('Changing jobs allowed at once on this server (1-16, default 1).'),
  pruneImages: z.boolean().describe("Remove the server's dangling Docker images daily (default false)."),
};

/** Servers: thin tools over ServersService and ServerMetricsStore (as ServersResolver). */
@Injectable()
export class ServerTools {
  constructor(
    private readonly servers: ServersService,
    private readonly metrics: ServerMetricsStore,
    private readonly deployments: DeploymentsService,
  ) {}

  tools(): McpTool[] {
    return [
      defineTool({
        name: 'list_servers',
        title: 'List servers',
        description:
          'Lists the registered servers by name, with status (ONLINE, OFFLINE…), OS, Docker version and resources. Use it to find a serverId for get_server, install_app or list_deployments. Paged: pass pageInfo.endCursor as `after` for more.',
        role: Role.Viewer,
        behaviour: READ,
        input: {
          search: z
            .string()
            .max(200)
            .optional()
            .describe('Only servers whose name or host contains this text (case-insensitive).'),
          ...pageArgs,
        },
        output: { servers: z.array(serverOut), pageInfo },
        run: async ({ search, first, after }) => {
          const needle = search?.toLowerCase();
          const all = (await this.servers.list()).filter(
            (s) => !needle || s.name.toLowerCase().includes(needle) || s.host.toLowerCase().includes(needle),
          );
          const page = pageOf(all, first, after);
          return {
            structured: { servers: page.items.map(serverOf), pageInfo: page.pageInfo },
            summary: `${page.items.length} of ${all.length} server(s).`,
          };
        },
      }),
      defineTool({
        name: 'get_server',
        title: 'Get a server',
        description:
          'One server by id: connection, status and facts (OS, arch, CPUs, memory, disk, Docker). NOT_FOUND for an unknown id. Credentials are never returned.',
        role: Role.Viewer,
        behaviour: READ,
        input: { serverId: id('server') },
        output: { server: serverOut },
        run: async ({ serverId }) => {
          const server = await this.servers.get(serverId);
          return {
            structured: { server: serverOf(server) },
            summary: `Server ${server.name} (${server.host}) is ${server.status}.`,
          };
        },
      }),
      defineTool({
        name: 'add_server',
        title: 'Add a server',
        description:
          'Registers a server reachable over SSH (credentials validated, stored encrypted) and starts its connection test as a job. Returns the server and the jobId: call wait_for_job to see whether SSH and Docker work.',
        role: Role.Operator,
        behaviour: { readOnly: false, destructive: false, idempotent: false, openWorld: true },
        audit: { action: 'addServer', targetType: 'server', details: asInput },
        input: {
          ...serverFields,
          port: serverFields.port.optional(),
          password: serverFields.password.optional(),
          privateKey: serverFields.privateKey.optional(),
          passphrase: serverFields.passphrase.optional(),
          networkMode: serverFields.networkMode.optional(),
          maxConcurrentJobs: serverFields.maxConcurrentJobs.optional(),
          pruneImages: serverFields.pruneImages.optional(),
        },
        output: { server: serverOut, jobId: z.string().describe('The connection test: wait_for_job({ jobId }).') },
        run: async (input, call) => {
          const { server, job } = await this.servers.add(input, call.principal.username);
          return {
            structured: { server: serverOf(server), jobId: job.id },
            summary: `Server ${server.name} added (serverId ${server.id}); connection test job ${job.id} is ${job.status}. Call wait_for_job({ jobId: "${job.id}" }).`,
            links: [jobLink(job.id)],
          };
        },
      }),
      defineTool({
        name: 'update_server',
        title: 'Change a server',
        description:
          'Changes the fields given (others keep their value; an omitted secret keeps the stored one). A new address or new credentials start a connection test: jobId is then set, follow it with wait_for_job.',
        role: Role.Operator,
        behaviour: { readOnly: false, destructive: false, idempotent: true, openWorld: true },
        audit: {
          action: 'updateServer',
          targetType: 'server',
          details: ({ serverId, ...input }) => ({ id: serverId, input }),
        },
        input: {
          serverId: id('server'),
          name: serverFields.name.optional(),
          host: serverFields.host.optional(),
          port: serverFields.port.optional(),
          username: serverFields.username.optional(),
          authType: serverFields.authType.optional(),
          password: serverFields.password.optional(),
          privateKey: serverFields.privateKey.optional(),
          passphrase: serverFields.passphrase.optional(),
          networkMode: serverFields.networkMode.optional(),
          maxConcurrentJobs: serverFields.maxConcurrentJobs.optional(),
          pruneImages: serverFields.pruneImages.optional(),
        },
        output: {
          server: serverOut,
          jobId: z.string().nullable().describe('The connection test it started, or null.'),
        },
        run: async ({ serverId, ...input }, call) => {
          const { server, job } = await this.servers.update(
            serverId,
            input,
            call.principal.username,
            call.principal.role,
          );
          return {
            structured: { server: serverOf(server), jobId: job?.id ?? null },
            summary: `Server ${server.name} updated${job ? `; connection test job ${job.id} started (wait_for_job)` : ''}.`,
            links: job ? [jobLink(job.id)] : [],
          };
        },
      }),
      defineTool({
        name: 'delete_server',
        title: 'Delete a server',
        description:
          "Removes a server from Tomo with its metrics history (nothing on the server itself changes). CONFLICT while it has deployments: uninstall them first. Destructive: needs confirm: true or the user's confirmation.",
        role: Role.Operator,
        behaviour: { readOnly: false, destructive: true, idempotent: false, openWorld: false },
        audit: { action: 'deleteServer', targetType: 'server' },
        input: { serverId: id('server'), confirm: confirmField },
        output: { server: serverOut.describe('The server as it was.') },
        run: async ({ serverId, confirm }, call) => {
          const server = await this.servers.get(serverId);
          // With deployments the service refuses (CONFLICT): nothing to confirm then.
          if ((await this.deployments.list(serverId)).length === 0) {
            await requireConfirmation(
              confirm,
              call,
              `Deletes server ${server.name} (${server.host}:${server.port}) from Tomo with its stored credentials and metrics history; nothing on the server changes.`,
            );
          }
          const deleted = await this.servers.delete(serverId);
          return { structured: { server: serverOf(deleted) }, summary: `Server ${deleted.name} deleted.` };
        },
      }),
      defineTool({
        name: 'test_connection',
        title: 'Test a server connection',
        description:
          'Starts a connection test job: SSH reachability, host key (pinned on first use; a mismatch fails with HOST_KEY_MISMATCH), OS, resources and Docker. Returns { jobId, status } at once: call wait_for_job, then get_server for the updated facts.',
        role: Role.Operator,
        behaviour: REMOTE_JOB,
        audit: { action: 'testConnection', targetType: 'server' },
        input: { serverId: id('server') },
        output: startedJob,
        run: async ({ serverId }, call) =>
          started(await this.servers.testConnection(serverId, call.principal.username), 'Connection test started'),
      }),
      defineTool({
        name: 'get_server_metrics',
        title: 'Server metrics',
        description: `CPU, memory, disk, load and container counts of a server since a time, oldest first (raw samples for the last 48 h, hourly averages before), at most the newest ${MAX_METRIC_POINTS} points.`,
        role: Role.Viewer,
        behaviour: READ,
        input: {
          serverId: id('server'),
          since: z.iso.datetime({ offset: true }).optional().describe('ISO 8601 time; default: one hour ago.'),
        },
        output: {
          points: z.array(
            z.object({
              at: isoTime('Sample time or start of the hour'),
              bucketSeconds: z.number().int().describe('0 for a raw sample, 3600 for an hourly average.'),
              cpuPercent: z.number().nullable(),
              memoryUsedBytes: z.number().nullable(),
              memoryTotalBytes: z.number().nullable(),
              diskUsedBytes: z.number().nullable(),
              diskTotalBytes: z.number().nullable(),
              load1: z.number().nullable(),
              containersRunning: z.number().nullable(),
            }),
          ),
          truncated: z.boolean().describe('Older points were left out (ask with a later since).'),
        },
        run: async ({ serverId, since }) => {
          await this.servers.get(serverId);
          const series = await this.metrics.series(
            serverId,
            since ? new Date(since) : new Date(Date.now() - 3_600_000),
          );
          const points = series.slice(-MAX_METRIC_POINTS).map((p) => ({
            at: iso(p.at) ?? '',
            bucketSeconds: p.bucketSeconds,
            cpuPercent: p.cpuPercent,
            memoryUsedBytes: p.memoryUsedBytes,
            memoryTotalBytes: p.memoryTotalBytes,
            diskUsedBytes: p.diskUsedBytes,
            diskTotalBytes: p.diskTotalBytes,
            load1: p.load1,
            containersRunning: p.containersRunning,
          }));
          return {
            structured: { points, truncated: series.length > points.length },
            summary: `${points.length} metric point(s).`,
          };
        },
      }),
    ];
  }
}
