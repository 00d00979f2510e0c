import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { type Principal, SessionsService } from '@tomo/identity';
import { Role } from '@tomo/shared';
import { Roles } from './access.decorator';
import { AuditTarget } from './audit.interceptor';
import { SessionModel } from './auth.types';
import { CurrentPrincipal } from './current-principal.decorator';

/** Sessions: everyone sees and ends their own; admins see and end everyone's. */
@Resolver(() => SessionModel)
export class SessionsResolver {
  constructor(private readonly sessionsService: SessionsService) {}

  @Roles(Role.Viewer)
  @Query(() => [SessionModel], { description: "Live sessions: your own, or everyone's for an admin." })
  async sessions(@CurrentPrincipal() principal: Principal): Promise<SessionModel[]> {
    const sessions = await this.sessionsService.list(principal.role === Role.Admin ? undefined : principal.userId);
    return sessions.map((session) => SessionModel.of(session, principal.sessionId));
  }

  @Roles(Role.Viewer)
  @AuditTarget('session')
  @Mutation(() => Boolean, { description: 'Ends a session at once.' })
  async revokeSession(
    @Args('id', { type: () => ID }) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<boolean> {
    await this.sessionsService.revoke(id, principal.role === Role.Admin ? undefined : principal.userId);
    return true;
  }
}
