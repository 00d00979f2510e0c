import type { CommonConfig } from '@tomo/config';
import type { MarketplaceService } from '@tomo/marketplace';
import { ErrorCode, JobKind, TomoException } from '@tomo/shared';
import { isTransientError, type JobsService, retryPolicyOf } from '@tomo/workflows';
import type { DeploymentHosts } from './deployment-hosts';
import type { DeploymentRecords } from './deployment-records';
import { DeploymentWorkflows } from './deployment-workflows';

describe('health-check steps', () => {
  // Only the step definitions are looked at: nothing runs, so the collaborators are never called.
  const definitions = new DeploymentWorkflows(
    {} as DeploymentRecords,
    {} as MarketplaceService,
    {} as JobsService,
    { redisPrefix: 'unused' } as CommonConfig,
    {} as DeploymentHosts,
  ).workflows();
  const healthChecks = definitions.flatMap((definition) =>
    definition.steps.filter((step) => step.name === 'health-check').map((step) => ({ kind: definition.kind, step })),
  );

  it('exist in install, start, restart and update', () => {
    expect(healthChecks.map(({ kind }) => kind).sort()).toEqual(
      [JobKind.DeploymentInstall, JobKind.DeploymentRestart, JobKind.DeploymentStart, JobKind.DeploymentUpdate].sort(),
    );
  });

  it.each(['install', 'start', 'restart', 'update'])(
    '%s: run again when the SSH connection failed under it, never when the app answered unhealthy',
    (name) => {
      const found = healthChecks.find(({ kind }) => kind.endsWith(`.${name}`));
      if (!found) throw new Error(`no health-check step in ${name}`);
      const { step } = found;
      expect(retryPolicyOf(step).maxAttempts).toBeGreaterThan(1);
      expect(
        isTransientError(
          new TomoException(ErrorCode.ServerUnreachable, 'Connection lost before the command finished'),
          step,
        ),
      ).toBe(true);
      expect(
        isTransientError(new TomoException(ErrorCode.Internal, 'Health check failed 4 times in a row: HTTP 404'), step),
      ).toBe(false);
      expect(
        isTransientError(
          new TomoException(ErrorCode.Internal, 'Container x is not running (exited, exit code 1)'),
          step,
        ),
      ).toBe(false);
      expect(isTransientError(new Error('unexpected'), step)).toBe(false);
    },
  );
});
