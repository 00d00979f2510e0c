import { SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Role } from '@tomo/shared';

/**
 * Who may call an operation. Every GraphQL operation, HTTP route and (later) MCP tool declares
 * one; the global AuthGuard refuses anything without a declaration (deny by default).
 */
export type AccessRule = { public: true } | { role: Role };

export const ACCESS_METADATA = 'tomo:access';

/** Anyone, signed in or not (login, first-run setup, health). */
export const Public = () => SetMetadata(ACCESS_METADATA, { public: true } satisfies AccessRule);

/** Signed-in callers whose role is at least `role` (ADMIN > OPERATOR > VIEWER). */
export const Roles = (role: Role) => SetMetadata(ACCESS_METADATA, { role } satisfies AccessRule);

/** The declaration on a handler, or on its class; undefined when there is none. */
export function accessRuleOf(
  reflector: Reflector,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- what ExecutionContext hands out
  handler: Function,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  target: Function,
): AccessRule | undefined {
  return reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_METADATA, [handler, target]);
}
