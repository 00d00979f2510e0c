import { Inject, Injectable } from '@nestjs/common';
import { type CommonConfig, TOMO_CONFIG } from '@tomo/config';
import { JobKind } from '@tomo/shared';
import { DefinesWorkflows, defineWorkflow, type JobRow, JobsService, type WorkflowSource } from '@tomo/workflows';
import { AppIconStore } from './app-icons';
import { type MarketplaceSyncResult, MarketplaceService } from './marketplace.service';

/** Ids only (CONVENTIONS: payloads carry ids): the repository's URL and branch are read from its row. */
export interface MarketplaceSyncInput {
  repoId: string;
}

declare module '@tomo/workflows' {
  interface JobInputs {
    [JobKind.MarketplaceSync]: MarketplaceSyncInput;
  }
}

/**
 * Longer than one git command may take (GitClient's 120 s) plus reading and importing the
 * checkout, so that git's own timeout, which names the command, fires first.
 */
const SYNC_STEP_TIMEOUT_MS = 5 * 60_000;

/**
 * `marketplace.sync`: one step, because `syncRepo` is one unit on purpose — git and the
 * import of one repository must not interleave with another sync of it, and a failed fetch
 * must leave the apps as they were, which a `fetch` step that had already moved the checkout
 * could not promise. Two syncs of one repository never run at once, in any process: the
 * workflow holds the repository exclusively (the second waits, WAITING "waiting for job X").
 * Re-running it is safe (a fetch of the same commit changes nothing). Errors keep the
 * service's codes, and the engine's default classification applies: a wrong URL, branch or
 * credentials (BAD_USER_INPUT) and cancellation fail at once; SERVER_UNREACHABLE and
 * unexpected git failures are retried with backoff.
 * With `fetchAppIcons` (APP_ICON_FETCH), the step then downloads the icons the apps name that
 * Tomo does not hold yet; an icon that cannot be had is logged, never a failure of the sync.
 */
export function marketplaceSyncWorkflow(marketplace: MarketplaceService, icons: AppIconStore, fetchAppIcons: boolean) {
  const workflow = defineWorkflow({
    kind: JobKind.MarketplaceSync,
    exclusive: (input) => [`marketplace-repo:${input.repoId}`],
  });
  workflow.step('sync', {
    timeoutMs: SYNC_STEP_TIMEOUT_MS,
    retry: { maxAttempts: 3, initialDelayMs: 5_000, maxDelayMs: 60_000 },
    run: async (ctx): Promise<MarketplaceSyncResult> => {
      const options = {
        signal: ctx.signal,
        log: (line: string) => ctx.log(line),
      };
      const result = await marketplace.syncRepo(ctx.input.repoId, options);
      if (fetchAppIcons) await icons.refresh(result.repoId, options);
      else ctx.log('Icons not downloaded (APP_ICON_FETCH is off): the console shows placeholders');
      return result;
    },
  });
  return workflow;
}

/** The marketplace's workflows, in every process that imports MarketplaceWorkflowsModule (API and worker). */
@DefinesWorkflows()
@Injectable()
export class MarketplaceWorkflows implements WorkflowSource {
  constructor(
    private readonly marketplace: MarketplaceService,
    private readonly icons: AppIconStore,
    @Inject(TOMO_CONFIG) private readonly config: CommonConfig,
  ) {}

  workflows() {
    return [marketplaceSyncWorkflow(this.marketplace, this.icons, this.config.fetchAppIcons)];
  }
}

/** Starts marketplace jobs: what the GraphQL resolver and the MCP tool call. */
@Injectable()
export class MarketplaceJobs {
  constructor(
    private readonly marketplace: MarketplaceService,
    private readonly jobs: JobsService,
  ) {}

  /** Queues a sync of the repository (NOT_FOUND at once when there is no such repository). */
  async startSync(repoId: string, requestedBy: string | null): Promise<JobRow> {
    const repo = await this.marketplace.getRepo(repoId);
    return this.jobs.create(JobKind.MarketplaceSync, { repoId: repo.id }, { requestedBy });
  }
}
