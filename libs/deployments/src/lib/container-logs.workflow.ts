import type { Redis } from 'ioredis';
import { ErrorCode, JobKind, TomoException } from '@tomo/shared';
import { defineWorkflow } from '@tomo/workflows';
import type { DeploymentSteps } from './deployment-steps';

/** Where `deployment.logs` leaves the lines for the API (not in the job row: logs may hold anything). */
export const containerLogsKey = (prefix: string, jobId: string) => `${prefix}:deployment-logs:${jobId}`;
const LOGS_TTL_SECONDS = 120;

/** Reads the last `tail` lines of the deployment's container into Redis for the API to return. */
export function containerLogsWorkflow(steps: DeploymentSteps, redis: Redis | null, prefix: string) {
  const workflow = defineWorkflow({ kind: JobKind.DeploymentLogs });
  workflow.step('read-logs', {
    retry: { maxAttempts: 2, initialDelayMs: 500 },
    timeoutMs: 45_000,
    run: async (ctx) => {
      if (!redis) throw new TomoException(ErrorCode.Internal, 'No Redis client in this process');
      const row = await steps.records.get(ctx.input.deploymentId);
      const docker = steps.docker(row.serverId, ctx);
      const logs = await docker.logs(row.containerName, ctx.input.tail);
      await redis.set(containerLogsKey(prefix, ctx.jobId), logs, 'EX', LOGS_TTL_SECONDS);
      const lines = logs === '' ? 0 : logs.split('\n').length;
      ctx.log(`Read ${lines} line(s) of ${row.containerName}`);
      return { lines };
    },
  });
  return workflow;
}
