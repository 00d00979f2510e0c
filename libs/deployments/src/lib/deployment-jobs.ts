import { ErrorCode, type JobKind, TomoException } from '@tomo/shared';

export interface DeploymentJobInput {
  deploymentId: string;
}

export interface UninstallJobInput {
  deploymentId: string;
  removeVolumes: boolean;
}

export interface ContainerLogsJobInput {
  deploymentId: string;
  tail: number;
}

declare module '@tomo/workflows' {
  interface JobInputs {
    [JobKind.DeploymentInstall]: DeploymentJobInput;
    [JobKind.DeploymentStart]: DeploymentJobInput;
    [JobKind.DeploymentStop]: DeploymentJobInput;
    [JobKind.DeploymentRestart]: DeploymentJobInput;
    [JobKind.DeploymentUpdate]: DeploymentJobInput;
    [JobKind.DeploymentUninstall]: UninstallJobInput;
    [JobKind.DeploymentLogs]: ContainerLogsJobInput;
    [JobKind.MaintenanceReconcileDeployments]: Record<string, never>;
  }
}

/** Step settings the deployment workflows share. */
export const ONE_ATTEMPT = { maxAttempts: 1 };
export const HEALTH_TIMEOUT_MS = 15 * 60_000;
/**
 * A health check is not repeated when the app answered unhealthy (it probed `retries` times
 * already), but it is when the SSH connection failed under it: the app may well be healthy
 * (`npm run chaos -- ssh-faults` saw dropped connections fail, and undo, healthy installs).
 */
export const HEALTH_CHECK_RETRY = {
  retry: { maxAttempts: 3 },
  isTransient: (error: unknown): boolean =>
    error instanceof TomoException && error.code === ErrorCode.ServerUnreachable,
};
export const PULL_STEP = { timeoutMs: 30 * 60_000, retry: { maxAttempts: 3, initialDelayMs: 5_000 } };
