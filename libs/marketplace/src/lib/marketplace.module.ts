import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretsModule } from '@tomo/secrets';
import { AppIconStore } from './app-icons';
import { MARKETPLACE_ENTITIES } from './entities';
import { GitClient } from './git-client';
import { MarketplaceCatalog } from './marketplace-catalog';
import { MARKETPLACE_OPTIONS, type MarketplaceOptions } from './marketplace-options';
import { MarketplaceRepositories } from './marketplace-repositories';
import { MarketplaceSync } from './marketplace-sync';
import { MarketplaceService } from './marketplace.service';

/**
 * The app catalog (built-in apps and git marketplace repositories). Needs the database and
 * TOMO_CONFIG (for DATA_DIR); repository tokens are encrypted with SecretsModule's key. `withOptions` overrides where the catalog and checkouts are.
 */
@Module({
  imports: [TypeOrmModule.forFeature(MARKETPLACE_ENTITIES), SecretsModule],
  providers: [
    MarketplaceService,
    MarketplaceCatalog,
    MarketplaceRepositories,
    MarketplaceSync,
    AppIconStore,
    { provide: GitClient, useFactory: () => new GitClient() },
  ],
  exports: [MarketplaceService, AppIconStore],
})
export class MarketplaceModule {
  static withOptions(options: MarketplaceOptions): DynamicModule {
    return {
      module: MarketplaceModule,
      providers: [{ provide: MARKETPLACE_OPTIONS, useValue: options }],
    };
  }
}
