import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { MarketplaceService } from '@tomo/marketplace';
import { REDIS_CLIENT } from '@tomo/redis';
import { DefinesWorkflows, JobsService, type WorkflowSource } from '@tomo/workflows';
import { containerLogsWorkflow } from './container-logs.workflow';
import { DeploymentHosts } from './deployment-hosts';
import { DeploymentReconciler } from './deployment-reconciler';
import { DeploymentRecords } from './deployment-records';
import { DeploymentSteps } from './deployment-steps';
import { installWorkflow } from './install.workflow';
import { lifecycleWorkflow } from './lifecycle.workflow';
import { reconcileWorkflow } from './reconcile.workflow';
import { uninstallWorkflow } from './uninstall.workflow';
import { updateWorkflow } from './update.workflow';

/**
 * The deployment workflows, in every process that imports DeploymentsModule. In the API the
 * definitions are there for JobsService (step rows); their steps would refuse to run
 * (the API has no ServerCommands).
 */
@DefinesWorkflows()
@Injectable()
export class DeploymentWorkflows implements WorkflowSource {
  constructor(
    private readonly records: DeploymentRecords,
    private readonly marketplace: MarketplaceService,
    private readonly jobs: JobsService,
    @Inject(TOMO_CONFIG) private readonly config: CommonConfig,
    private readonly hosts: DeploymentHosts,
    @Optional() @Inject(REDIS_CLIENT) private readonly redis?: Redis,
  ) {}

  workflows() {
    const steps = new DeploymentSteps(this.records, this.marketplace, this.hosts);
    return [
      installWorkflow(steps),
      lifecycleWorkflow(steps, 'start'),
      lifecycleWorkflow(steps, 'stop'),
      lifecycleWorkflow(steps, 'restart'),
      updateWorkflow(steps),
      uninstallWorkflow(steps),
      containerLogsWorkflow(steps, this.redis ?? null, this.config.redisPrefix),
      reconcileWorkflow(new DeploymentReconciler(steps, this.jobs)),
    ];
  }
}
