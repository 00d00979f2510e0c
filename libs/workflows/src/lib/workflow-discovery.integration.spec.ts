import { Injectable, Module, type Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { TomoConfigModule } from '@tomo/config';
import { DatabaseModule } from '@tomo/database';
import { RedisModule } from '@tomo/redis';
import { JobKind } from '@tomo/shared';
import { createWorkflowTestEnv, type WorkflowTestEnv } from '@tomo/testing';
import { defineWorkflow } from './workflow-definition';
import { DefinesWorkflows, type WorkflowSource } from './workflow-discovery';
import { WorkflowRegistry } from './workflow-registry';
import { WorkflowsModule, WorkflowWorkerModule } from './workflows.module';

const EXPECTED = 'test.discovered';

function oneStep(kind: string) {
  const workflow = defineWorkflow({ kind });
  workflow.step('only', { run: async () => null });
  return workflow;
}

@DefinesWorkflows()
@Injectable()
class DiscoveredWorkflows implements WorkflowSource {
  workflows() {
    return [oneStep(EXPECTED)];
  }
}

/** A second definition of a kind the engine defines already (BuiltinWorkflows). */
@DefinesWorkflows()
@Injectable()
class SecondPing implements WorkflowSource {
  workflows() {
    return [oneStep(JobKind.SystemPing)];
  }
}

describe('workflow definitions are discovered, and a worker boots only with exactly one per kind (real Redis, real SQLite)', () => {
  let env: WorkflowTestEnv;
  let app: TestingModule | null = null;

  beforeEach(async () => {
    env = await createWorkflowTestEnv();
  });

  afterEach(async () => {
    await app?.close();
    app = null;
    await env.cleanup();
  });

  /** A worker process whose feature module provides `sources`; resolves once it has booted. */
  async function bootWorker(sources: Type[]): Promise<TestingModule> {
    @Module({ imports: [WorkflowsModule], providers: sources })
    class FeatureModule {}
    app = await Test.createTestingModule({
      imports: [
        TomoConfigModule.forRoot(env.config),
        DatabaseModule.forRoot(),
        RedisModule.forRoot('tomo-test'),
        WorkflowsModule,
        FeatureModule,
        WorkflowWorkerModule.forRoot({
          kinds: [JobKind.SystemPing, JobKind.MaintenancePruneJobs, EXPECTED],
          schedulePruning: false,
        }),
      ],
    }).compile();
    app.useLogger(false);
    const booting = app.init();
    // Nest's close() rethrows a failed init and closes nothing: forget the failure, so that
    // afterEach still closes the connections the providers opened.
    await booting.catch(() => Object.assign(app as object, { initializationPromise: undefined }));
    return booting;
  }

  it('registers the workflows of every @DefinesWorkflows provider', async () => {
    const booted = await bootWorker([DiscoveredWorkflows]);
    expect(booted.get(WorkflowRegistry).kinds().sort()).toEqual(
      [EXPECTED, JobKind.MaintenancePruneJobs, JobKind.SystemPing].sort(),
    );
  });

  it('refuses to boot when a job kind has no definition, naming it', async () => {
    await expect(bootWorker([])).rejects.toThrow(
      `Workflow registry check failed: no workflow registered for ${EXPECTED}`,
    );
  });

  it('refuses to boot when a job kind is defined twice, naming both sources', async () => {
    await expect(bootWorker([DiscoveredWorkflows, SecondPing])).rejects.toThrow(
      /^Workflow "system\.ping" is defined twice: by (BuiltinWorkflows and by SecondPing|SecondPing and by BuiltinWorkflows)$/,
    );
  });
});
