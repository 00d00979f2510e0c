import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  Logger,
  type NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { catchError, from, mergeMap, type Observable, throwError } from 'rxjs';
import { AuditService } from '@tomo/identity';
import { ErrorCode, TomoException } from '@tomo/shared';
import { auditActorOf } from './audit-actor';
import { clientInfo, type TomoGraphqlContext } from './request-context';

const AUDIT_TARGET = 'tomo:audit-target';

/** Names the kind of thing a mutation acts on (`user`, `server`…) in its audit records. */
export const AuditTarget = (type: string) => SetMetadata(AUDIT_TARGET, type);

/**
 * Records every GraphQL mutation in the audit log once it has ended: who, which mutation, on
 * what, and how it ended. Arguments are stored without secret-looking fields. Refusals by the
 * AuthGuard are recorded there, as this interceptor does not run for them.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<GqlContextType>() !== 'graphql') return next.handle();
    const gql = GqlExecutionContext.create(context);
    const info = gql.getInfo<GraphQLResolveInfo>();
    if (info.parentType.name !== 'Mutation') return next.handle();
    const ctx = gql.getContext<TomoGraphqlContext>();
    const args = gql.getArgs<Record<string, unknown>>();
    const targetType = this.reflector.get<string | undefined>(AUDIT_TARGET, context.getHandler()) ?? null;

    const record = (outcome: 'SUCCESS' | 'FAILURE', result: unknown, error?: unknown) =>
      this.audit
        .record({
          actor: auditActorOf(ctx),
          action: info.fieldName,
          targetType,
          targetId: targetIdOf(args, result),
          outcome,
          errorCode: error === undefined ? null : error instanceof TomoException ? error.code : ErrorCode.Internal,
          ip: clientInfo(ctx).ip,
          details: Object.keys(args).length > 0 ? args : null,
        })
        .catch((failure: unknown) => this.logger.error(`audit record failed: ${String(failure)}`));

    return next.handle().pipe(
      mergeMap((result) => from(record('SUCCESS', result).then(() => result))),
      catchError((error: unknown) =>
        from(record('FAILURE', undefined, error)).pipe(mergeMap(() => throwError(() => error))),
      ),
    );
  }
}

/** The id of what was acted on: an `id`-like argument, or the id in the result. Also used by the MCP door. */
export function targetIdOf(args: Record<string, unknown>, result: unknown): string | null {
  const input = args['input'] as Record<string, unknown> | undefined;
  const candidates = [
    args['id'],
    input?.['id'],
    ...Object.entries(args)
      .filter(([key]) => key.endsWith('Id'))
      .map(([, value]) => value),
    idIn(result),
    idIn((result as Record<string, unknown> | undefined)?.['apiToken']),
    idIn((result as Record<string, unknown> | undefined)?.['user']),
  ];
  const found = candidates.find((value) => typeof value === 'string' || typeof value === 'number');
  return found === undefined ? null : String(found);
}

function idIn(value: unknown): unknown {
  return value && typeof value === 'object' ? (value as Record<string, unknown>)['id'] : undefined;
}
