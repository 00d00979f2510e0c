import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Principal } from '@tomo/identity';
import { MarketplaceJobs, MarketplaceService } from '@tomo/marketplace';
import { Role } from '@tomo/shared';
import type { JobRow } from '@tomo/workflows';
import { Roles } from '../auth/access.decorator';
import { AuditTarget } from '../auth/audit.interceptor';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Job } from '../jobs/job.types';
import { AddMarketplaceRepoInput, AppCategoryModel, AppModel, MarketplaceRepoModel } from './marketplace.types';

/**
 * The marketplace over GraphQL: a thin door to MarketplaceService and MarketplaceJobs.
 * Reading the catalog is for everyone signed in; changing the repositories is for admins,
 * because a repository decides what every operator can install (see libs/marketplace/README.md).
 */
@Resolver()
export class MarketplaceResolver {
  constructor(
    private readonly marketplace: MarketplaceService,
    private readonly marketplaceJobs: MarketplaceJobs,
  ) {}

  @Roles(Role.Viewer)
  @Query(() => [AppModel], {
    description:
      'Apps of enabled repositories, by name. search: words that must all occur in the name, description, id, category or tags; category: one of `categories`; tag: exact.',
  })
  async apps(
    @Args('search', { type: () => String, nullable: true })
    search: string | null,
    @Args('category', { type: () => String, nullable: true })
    category: string | null,
    @Args('tag', { type: () => String, nullable: true }) tag: string | null,
  ): Promise<AppModel[]> {
    return (await this.marketplace.listApps({ search, category, tag })).map((app) => AppModel.of(app));
  }

  @Roles(Role.Viewer)
  @Query(() => AppModel, {
    description:
      'An app by id (<repository>/<app>), also when its repository is disabled or it left its repository. NOT_FOUND otherwise.',
  })
  async app(@Args('id', { type: () => ID }) id: string): Promise<AppModel> {
    return AppModel.of(await this.marketplace.getApp(id));
  }

  @Roles(Role.Viewer)
  @Query(() => [AppCategoryModel], {
    description: 'Categories that have apps in the catalog, with how many.',
  })
  async categories(): Promise<AppCategoryModel[]> {
    return (await this.marketplace.categories()).map((category) => AppCategoryModel.of(category));
  }

  @Roles(Role.Viewer)
  @Query(() => [MarketplaceRepoModel], {
    description: 'The built-in catalog first, then the added repositories by name.',
  })
  async marketplaceRepos(): Promise<MarketplaceRepoModel[]> {
    return (await this.marketplace.listRepos()).map((repo) => MarketplaceRepoModel.of(repo));
  }

  @Roles(Role.Admin)
  @AuditTarget('marketplace-repo')
  @Mutation(() => MarketplaceRepoModel, {
    description:
      'Adds a git repository (not synced yet: call syncMarketplaceRepo). BAD_USER_INPUT for a refused name, URL or branch; CONFLICT for a name or URL+branch in use.',
  })
  async addMarketplaceRepo(@Args('input') input: AddMarketplaceRepoInput): Promise<MarketplaceRepoModel> {
    return MarketplaceRepoModel.of(await this.marketplace.addRepo(input));
  }

  @Roles(Role.Admin)
  @AuditTarget('marketplace-repo')
  @Mutation(() => Job, {
    description: 'Starts a marketplace.sync job: clone or fetch the repository and import its apps.',
  })
  syncMarketplaceRepo(
    @Args('id', { type: () => ID }) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<JobRow> {
    return this.marketplaceJobs.startSync(id, principal.username);
  }

  @Roles(Role.Admin)
  @AuditTarget('marketplace-repo')
  @Mutation(() => MarketplaceRepoModel, {
    description:
      "A disabled repository's apps leave the catalog (kept for their deployments) until it is enabled again.",
  })
  async setMarketplaceRepoEnabled(
    @Args('id', { type: () => ID }) id: string,
    @Args('enabled') enabled: boolean,
  ): Promise<MarketplaceRepoModel> {
    return MarketplaceRepoModel.of(await this.marketplace.setRepoEnabled(id, enabled));
  }

  @Roles(Role.Admin)
  @AuditTarget('marketplace-repo')
  @Mutation(() => MarketplaceRepoModel, {
    description:
      'Deletes an added repository, its apps and its checkout; returns it as it was. CONFLICT for the built-in catalog (disable it instead).',
  })
  async removeMarketplaceRepo(@Args('id', { type: () => ID }) id: string): Promise<MarketplaceRepoModel> {
    return MarketplaceRepoModel.of(await this.marketplace.removeRepo(id));
  }
}
