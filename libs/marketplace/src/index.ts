export {
  type AppDefinition,
  type AppEnvVar,
  type AppHealthcheck,
  parseImageReference,
  type RestartPolicy,
} from './lib/app-definition';
export { AppIconStore } from './lib/app-icons';
export { parseAppDefinition } from './lib/app-definition-parser';
export { MarketplaceAppIconEntity } from './lib/entities/marketplace-app-icon.entity';
export { MarketplaceAppEntity } from './lib/entities/marketplace-app.entity';
export { MarketplaceSyncStatus } from './lib/entities/marketplace-repo.entity';
export { MarketplaceModule } from './lib/marketplace.module';
export {
  type MarketplaceApp,
  type MarketplaceCategory,
  type MarketplaceRepo,
  MarketplaceService,
} from './lib/marketplace.service';
export { MarketplaceJobs } from './lib/marketplace-workflows';
export { MarketplaceWorkflowsModule } from './lib/marketplace-workflows.module';
