import { MarketplaceAppIconEntity } from './marketplace-app-icon.entity';
import { MarketplaceAppEntity } from './marketplace-app.entity';
import { MarketplaceRepoEntity } from './marketplace-repo.entity';

export { MarketplaceAppIconEntity } from './marketplace-app-icon.entity';
export { MarketplaceAppEntity } from './marketplace-app.entity';
export { MarketplaceRepoEntity, MarketplaceSyncStatus } from './marketplace-repo.entity';

export const MARKETPLACE_ENTITIES = [MarketplaceRepoEntity, MarketplaceAppEntity, MarketplaceAppIconEntity];
