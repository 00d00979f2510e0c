import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import { map, type Observable } from 'rxjs';
import { type ApiConfig, TOMO_CONFIG } from '@tomo/config';
import { AuthenticationService } from '@tomo/identity';
import { AsyncQueue } from '@tomo/redis';
import { ErrorCode, type Role, roleSatisfies } from '@tomo/shared';
import { accessRuleOf } from './access.decorator';
import { presentedCredential, type TomoGraphqlContext } from './request-context';

/**
 * The AuthGuard authorises a subscription when it starts; this keeps it authorised while it
 * runs. Every SUBSCRIPTION_RECHECK the caller's credential is checked again, and a stream
 * whose session ended (signed out, revoked, expired, idle), whose API token was revoked or
 * expired, or whose user was disabled or no longer has the role the subscription declares,
 * ends with an UNAUTHENTICATED or FORBIDDEN error instead of streaming on.
 */
@Injectable()
export class LiveAccessInterceptor implements NestInterceptor {
  private readonly logger = new Logger(LiveAccessInterceptor.name);

  constructor(
    @Inject(TOMO_CONFIG) private readonly config: ApiConfig,
    private readonly reflector: Reflector,
    private readonly authentication: AuthenticationService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<GqlContextType>() !== 'graphql') return next.handle();
    const gql = GqlExecutionContext.create(context);
    if (gql.getInfo<GraphQLResolveInfo>().parentType.name !== 'Subscription') return next.handle();
    const rule = accessRuleOf(this.reflector, context.getHandler(), context.getClass());
    const credential = presentedCredential(gql.getContext<TomoGraphqlContext>())?.credential;
    // Public subscriptions need no re-check; the AuthGuard refused anything else without a credential.
    if (!rule || 'public' in rule || !credential) return next.handle();
    return next
      .handle()
      .pipe(
        map((stream) => this.keepChecking(stream as AsyncIterator<unknown>, () => this.lapse(credential, rule.role))),
      );
  }

  /** Why the credential no longer allows the subscription; null while it does (or cannot be checked now). */
  private async lapse(credential: string, role: Role): Promise<GraphQLError | null> {
    let principal;
    try {
      principal = await this.authentication.authenticate(credential);
    } catch (error) {
      this.logger.warn(`Could not re-check a subscription's credentials (trying again later): ${String(error)}`);
      return null;
    }
    if (!principal) {
      return ended(
        ErrorCode.Unauthenticated,
        'Your sign-in ended (signed out, revoked or expired): sign in again to go on watching',
      );
    }
    if (!roleSatisfies(principal.role, role)) {
      return ended(ErrorCode.Forbidden, `This subscription requires the ${role} role (you now have ${principal.role})`);
    }
    return null;
  }

  private keepChecking<T>(
    source: AsyncIterator<T>,
    lapse: () => Promise<GraphQLError | null>,
  ): AsyncIterableIterator<T> {
    const timer = setInterval(() => {
      void lapse().then((problem) => problem && out.fail(problem));
    }, this.config.auth.subscriptionRecheckSeconds * 1000);
    timer.unref();
    const out = new AsyncQueue<T>(() => {
      clearInterval(timer);
      void source.return?.();
    });
    void (async () => {
      for (let item = await source.next(); !item.done; item = await source.next()) out.push(item.value);
      out.end();
    })().catch((error: unknown) => out.fail(error));
    return out;
  }
}

/** graphql-ws reports an error that ends a stream with the extensions of the error thrown. */
const ended = (code: ErrorCode, message: string) => new GraphQLError(message, { extensions: { code } });
