import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ApiTokensService, AuthenticationService, type Principal } from '@tomo/identity';
import { Role } from '@tomo/shared';
import { Roles } from './access.decorator';
import { AuditTarget } from './audit.interceptor';
import { ApiTokenModel, CreateApiTokenInput, CreatedApiTokenModel } from './auth.types';
import { CallContext, CurrentPrincipal } from './current-principal.decorator';
import { clientInfo, type TomoGraphqlContext } from './request-context';

/** API tokens: everyone manages their own; admins see and revoke everyone's. */
@Resolver(() => ApiTokenModel)
export class ApiTokensResolver {
  constructor(
    private readonly authentication: AuthenticationService,
    private readonly tokens: ApiTokensService,
  ) {}

  @Roles(Role.Viewer)
  @Query(() => [ApiTokenModel], { description: "Your API tokens (everyone's for an admin), without their secrets." })
  async apiTokens(@CurrentPrincipal() principal: Principal): Promise<ApiTokenModel[]> {
    const tokens = await this.tokens.list(principal.role === Role.Admin ? undefined : principal.userId);
    return tokens.map((token) => ApiTokenModel.of(token));
  }

  @Roles(Role.Viewer)
  @AuditTarget('api-token')
  @Mutation(() => CreatedApiTokenModel, {
    description: 'Creates a token for GraphQL and MCP clients. The secret is in this answer only.',
  })
  async createApiToken(
    @Args('input') input: CreateApiTokenInput,
    @CurrentPrincipal() principal: Principal,
    @CallContext() ctx: TomoGraphqlContext,
  ): Promise<CreatedApiTokenModel> {
    const created = await this.authentication.createApiToken(principal, input, clientInfo(ctx));
    return Object.assign(new CreatedApiTokenModel(), {
      token: created.token,
      apiToken: ApiTokenModel.of(created.apiToken),
    });
  }

  @Roles(Role.Viewer)
  @AuditTarget('api-token')
  @Mutation(() => ApiTokenModel, { description: 'Revokes a token at once.' })
  async revokeApiToken(
    @Args('id', { type: () => ID }) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApiTokenModel> {
    return ApiTokenModel.of(await this.tokens.revoke(id, principal.role === Role.Admin ? undefined : principal.userId));
  }
}
