import type { AuditActor } from '@tomo/identity';
import type { TomoGraphqlContext } from './request-context';

/** Who the audit log names for a call: the signed-in user (and token), or anonymous. */
export function auditActorOf(ctx: TomoGraphqlContext): AuditActor {
  if (ctx.auditActor) return ctx.auditActor;
  const principal = ctx.principal;
  if (!principal) return { type: 'anonymous' };
  if (principal.kind === 'api-token') {
    return {
      type: 'api-token',
      id: principal.userId,
      name: `${principal.username} (token ${principal.apiTokenName ?? ''})`,
    };
  }
  return { type: 'user', id: principal.userId, name: principal.username };
}
