import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '@tomo/identity';
import { ErrorCode, TomoException } from '@tomo/shared';
import { callContext, type TomoGraphqlContext } from './request-context';

/** The authenticated caller (set by AuthGuard). Only on operations with a @Roles declaration. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = callContext(context).principal;
  if (!principal) throw new TomoException(ErrorCode.Unauthenticated, 'Sign in first');
  return principal;
});

/** The call's context: request, response, principal. */
export const CallContext = createParamDecorator((_: unknown, context: ExecutionContext): TomoGraphqlContext =>
  callContext(context),
);
