import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AuthenticationService, type Principal, type SignedIn, UsersService } from '@tomo/identity';
import { Role } from '@tomo/shared';
import { Public, Roles } from './access.decorator';
import { AuditTarget } from './audit.interceptor';
import { AuthPayloadModel, ChangePasswordInput, LoginInput, SetupAdminInput, UserModel } from './auth.types';
import { CallContext, CurrentPrincipal } from './current-principal.decorator';
import { clientInfo, type TomoGraphqlContext } from './request-context';
import { clearSessionCookie, setSessionCookie } from './session-cookie';

@Resolver()
export class AuthResolver {
  constructor(
    private readonly authentication: AuthenticationService,
    private readonly users: UsersService,
  ) {}

  @Public()
  @Query(() => Boolean, { description: 'True until the first admin exists (the console then shows its setup page).' })
  async setupRequired(): Promise<boolean> {
    return !(await this.users.isSetupDone());
  }

  @Public()
  @AuditTarget('user')
  @Mutation(() => AuthPayloadModel, {
    description: 'First run only: creates the admin and signs in. CONFLICT once any user exists.',
  })
  async setupAdmin(
    @Args('input') input: SetupAdminInput,
    @CallContext() ctx: TomoGraphqlContext,
  ): Promise<AuthPayloadModel> {
    return this.signedIn(ctx, await this.authentication.setupAdmin(input, clientInfo(ctx)));
  }

  @Public()
  @AuditTarget('user')
  @Mutation(() => AuthPayloadModel, {
    description: 'Signs in. Repeated failures lock the username (and the IP) out for a while: RATE_LIMITED.',
  })
  async login(@Args('input') input: LoginInput, @CallContext() ctx: TomoGraphqlContext): Promise<AuthPayloadModel> {
    return this.signedIn(ctx, await this.authentication.login(input, clientInfo(ctx)));
  }

  @Roles(Role.Viewer)
  @AuditTarget('session')
  @Mutation(() => Boolean, {
    description: 'Ends the current session at once (false for API tokens: revoke those instead).',
  })
  async logout(@CurrentPrincipal() principal: Principal, @CallContext() ctx: TomoGraphqlContext): Promise<boolean> {
    clearSessionCookie(ctx);
    return this.authentication.logout(principal);
  }

  @Roles(Role.Viewer)
  @Query(() => UserModel, { description: 'The signed-in user.' })
  async me(@CurrentPrincipal() principal: Principal): Promise<UserModel> {
    return UserModel.of(await this.users.get(principal.userId));
  }

  @Roles(Role.Viewer)
  @AuditTarget('user')
  @Mutation(() => Boolean, { description: "Changes the signed-in user's password; their other sessions end." })
  async changePassword(
    @Args('input') input: ChangePasswordInput,
    @CurrentPrincipal() principal: Principal,
  ): Promise<boolean> {
    await this.users.changePassword(principal.userId, input.currentPassword, input.newPassword, principal.sessionId);
    return true;
  }

  private signedIn(ctx: TomoGraphqlContext, signedIn: SignedIn): AuthPayloadModel {
    ctx.auditActor = { type: 'user', id: signedIn.user.id, name: signedIn.user.username };
    setSessionCookie(ctx, signedIn);
    return Object.assign(new AuthPayloadModel(), {
      token: signedIn.token,
      expiresAt: signedIn.expiresAt,
      user: UserModel.of(signedIn.user),
    });
  }
}
