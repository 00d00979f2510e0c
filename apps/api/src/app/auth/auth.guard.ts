import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { AuditService, AuthenticationService } from '@tomo/identity';
import { CSRF_HEADER, ErrorCode, TomoException } from '@tomo/shared';
import { accessRuleOf } from './access.decorator';
import { auditActorOf } from './audit-actor';
import { ruleAllows } from './operation-access';
import {
  callContext,
  clientInfo,
  hasCsrfHeader,
  isSameOrigin,
  presentedCredential,
  type TomoGraphqlContext,
} from './request-context';

/**
 * The one gate in front of every resolver, subscription and HTTP route: authenticates the
 * caller (session JWT or API token, from the bearer header, the console cookie, or graphql-ws
 * connectionParams) and checks the role the operation declares. No declaration: refused.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly authentication: AuthenticationService,
    private readonly audit: AuditService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = accessRuleOf(this.reflector, context.getHandler(), context.getClass());
    const operation = operationName(context);
    const ctx = callContext(context);
    if (!rule) {
      this.logger.error(`${operation} declares no role (@Roles or @Public): refused`);
      return this.refuse(context, ctx, ErrorCode.Forbidden, `${operation} is not available: it declares no role`);
    }
    if ('public' in rule) return true;

    const presented = presentedCredential(ctx);
    if (!presented) {
      return this.refuse(
        context,
        ctx,
        ErrorCode.Unauthenticated,
        'Sign in first: send "Authorization: Bearer <token>"',
      );
    }
    // A browser sends cookies with cross-site requests too; a custom header it cannot add proves the console sent it.
    if (presented.source === 'cookie' && !hasCsrfHeader(ctx)) {
      return this.refuse(
        context,
        ctx,
        ErrorCode.Forbidden,
        `Requests authenticated by cookie must send the ${CSRF_HEADER} header`,
      );
    }
    // A WebSocket cannot carry that header; the Origin the browser sets on the handshake proves the console opened it.
    if (presented.source === 'websocket-cookie' && !isSameOrigin(ctx)) {
      return this.refuse(
        context,
        ctx,
        ErrorCode.Forbidden,
        'WebSocket connections authenticated by cookie must come from the console (Origin of this host)',
      );
    }
    const principal = await this.authentication.authenticate(presented.credential);
    if (!principal) {
      return this.refuse(
        context,
        ctx,
        ErrorCode.Unauthenticated,
        'Invalid, expired or revoked credentials: sign in again',
      );
    }
    ctx.principal = principal;
    if (!ruleAllows(rule, principal.role)) {
      return this.refuse(
        context,
        ctx,
        ErrorCode.Forbidden,
        `${operation} requires the ${rule.role} role (you have ${principal.role})`,
      );
    }
    return true;
  }

  private async refuse(
    context: ExecutionContext,
    ctx: TomoGraphqlContext,
    code: ErrorCode,
    message: string,
  ): Promise<never> {
    if (context.getType<GqlContextType>() !== 'graphql') {
      // Plain HTTP routes answer with a status; TomoExceptionFilter speaks GraphQL only.
      throw code === ErrorCode.Unauthenticated ? new UnauthorizedException(message) : new ForbiddenException(message);
    }
    const info = GqlExecutionContext.create(context).getInfo<GraphQLResolveInfo>();
    if (info.parentType.name === 'Mutation') {
      await this.audit
        .record({
          actor: auditActorOf(ctx),
          action: info.fieldName,
          outcome: 'FAILURE',
          errorCode: code,
          ip: clientInfo(ctx).ip,
        })
        .catch((error: unknown) => this.logger.error(`audit record failed: ${String(error)}`));
    }
    throw new TomoException(code, message);
  }
}

function operationName(context: ExecutionContext): string {
  if (context.getType<GqlContextType>() === 'graphql') {
    const info = GqlExecutionContext.create(context).getInfo<GraphQLResolveInfo>();
    return `${info.parentType.name}.${info.fieldName}`;
  }
  return `${context.getClass().name}.${context.getHandler().name}`;
}
