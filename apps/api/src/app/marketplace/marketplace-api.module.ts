import { Module } from '@nestjs/common';
import { MarketplaceWorkflowsModule } from '@tomo/marketplace';
import { MarketplaceResolver } from './marketplace.resolver';

/** The marketplace's GraphQL door (the domain and its sync workflow live in @tomo/marketplace). */
@Module({
  imports: [MarketplaceWorkflowsModule],
  providers: [MarketplaceResolver],
})
export class MarketplaceApiModule {}
