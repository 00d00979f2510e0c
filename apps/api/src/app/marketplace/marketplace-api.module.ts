import { Module } from '@nestjs/common';
import { MarketplaceWorkflowsModule } from '@tomo/marketplace';
import { AppIconsController } from './app-icons.controller';
import { MarketplaceResolver } from './marketplace.resolver';

/** The marketplace's GraphQL door and its icons (the domain and its sync workflow live in @tomo/marketplace). */
@Module({
  imports: [MarketplaceWorkflowsModule],
  controllers: [AppIconsController],
  providers: [MarketplaceResolver],
})
export class MarketplaceApiModule {}
