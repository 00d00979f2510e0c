import { Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, DiscoveryModule, ModuleRef } from '@nestjs/core';
import { AuthenticationModule, IdentityWorkflowsModule } from '@tomo/identity';
import { SecretsModule } from '@tomo/secrets';
import { ApiTokensResolver } from './api-tokens.resolver';
import { AuditLogResolver } from './audit-log.resolver';
import { AuditInterceptor } from './audit.interceptor';
import { AuthGuard } from './auth.guard';
import { AuthResolver } from './auth.resolver';
import { LiveAccessInterceptor } from './live-access.interceptor';
import { OperationPermissions, undeclaredOperations } from './operation-access';
import { SessionsResolver } from './sessions.resolver';
import { UserFieldsResolver } from './user-fields.resolver';
import { UsersResolver } from './users.resolver';

/**
 * The GraphQL door to identity: sign-in, users, sessions, API tokens, the audit log; plus the
 * global AuthGuard (authentication and roles, deny by default), the audit interceptor, and the
 * re-check of live subscriptions' credentials.
 */
@Module({
  imports: [DiscoveryModule, SecretsModule, AuthenticationModule, IdentityWorkflowsModule],
  providers: [
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
    { provide: APP_INTERCEPTOR, useClass: LiveAccessInterceptor },
    AuthResolver,
    UsersResolver,
    UserFieldsResolver,
    OperationPermissions,
    SessionsResolver,
    ApiTokensResolver,
    AuditLogResolver,
  ],
})
export class AuthModule implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthModule.name);

  constructor(private readonly moduleRef: ModuleRef) {}

  onApplicationBootstrap(): void {
    const undeclared = undeclaredOperations(this.moduleRef);
    if (undeclared.length > 0) {
      this.logger.error(`These operations declare no role and are refused to everyone: ${undeclared.join(', ')}`);
    }
  }
}
