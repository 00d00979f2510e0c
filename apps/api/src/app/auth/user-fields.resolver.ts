import { Context, ResolveField, Resolver, Root } from '@nestjs/graphql';
import { OperationPermissions } from './operation-access';
import { UserModel } from './auth.types';
import type { TomoGraphqlContext } from './request-context';

/**
 * What the console needs to know about the signed-in user beyond their record (`me`): when
 * their session idles out, and which operations they may run. The root operation (`me`, `users`)
 * was authorised by the AuthGuard, which put the caller on the context.
 */
@Resolver(() => UserModel)
export class UserFieldsResolver {
  constructor(private readonly operationPermissions: OperationPermissions) {}

  @ResolveField(() => Date, {
    nullable: true,
    description:
      "When the caller's session ends unless used again (idle timeout, or its expiry if sooner); any request moves it on. " +
      "Only on the caller's own record and for a session (null for API tokens and other users).",
  })
  sessionExpiresAt(@Root() user: UserModel, @Context() ctx: TomoGraphqlContext): Date | null {
    const principal = ctx.principal;
    return principal?.userId === user.id ? (principal.sessionExpiresAt ?? null) : null;
  }

  @ResolveField(() => [String], {
    description:
      'The operations this user may run ("Query.servers", "Mutation.addServer", "Subscription.jobEvents"…), from the access ' +
      "rules the API enforces; on the caller's own record, with the credential in use (an API token may allow less). " +
      'Empty for a disabled user.',
  })
  permissions(@Root() user: UserModel, @Context() ctx: TomoGraphqlContext): string[] {
    if (user.disabled) return [];
    const principal = ctx.principal;
    return this.operationPermissions.forRole(principal?.userId === user.id ? principal.role : user.role);
  }
}
