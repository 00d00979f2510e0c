import { Module } from '@nestjs/common';
import { WorkflowsModule } from '@tomo/workflows';
import { MarketplaceModule } from './marketplace.module';
import { MarketplaceJobs, MarketplaceWorkflows } from './marketplace-workflows';

/**
 * The marketplace with its workflows. Import it in the worker (which runs `marketplace.sync`
 * and refuses to boot unless every job kind has a workflow) and in the API (JobsService
 * creates a job's step rows from the registered definition).
 */
@Module({
  imports: [MarketplaceModule, WorkflowsModule],
  providers: [MarketplaceWorkflows, MarketplaceJobs],
  exports: [MarketplaceModule, MarketplaceJobs],
})
export class MarketplaceWorkflowsModule {}
