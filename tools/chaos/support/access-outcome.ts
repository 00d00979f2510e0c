import { Role } from '@tomo/shared';
import type { AccessRule } from '../../../apps/api/src/app/auth/access.decorator';

/** Who calls: no credential, an expired or revoked ADMIN token, or a live token of a role. */
export type Caller = 'none' | 'expired' | 'revoked' | Role;
export const CALLERS: readonly Caller[] = ['none', 'expired', 'revoked', Role.Viewer, Role.Operator, Role.Admin];

/**
 * What the access check decided: `allowed` means the call got past it, whatever happened next
 * (NOT_FOUND for a made-up id, BAD_USER_INPUT for a dummy argument, CONFLICT…).
 */
export type Outcome = 'allowed' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_REACHED';

/** Answers of a request that never reached the access check (a malformed document, an HTTP refusal). */
const NOT_REACHED = /^(GRAPHQL_PARSE_FAILED|GRAPHQL_VALIDATION_FAILED|HTTP_\d+)$/;

/** The documented order ADMIN > OPERATOR > VIEWER, restated here rather than imported from the code under test. */
const RANK: Record<Role, number> = { [Role.Viewer]: 1, [Role.Operator]: 2, [Role.Admin]: 3 };

/**
 * The outcome an operation's declaration promises to a caller. The judge of the matrix: written
 * from the documented rules (public: anyone; otherwise a live credential whose role is at least
 * the declared one), not from the guard's code, so that a guard bug shows as a mismatch.
 */
export function expectedOutcome(rule: AccessRule | undefined, caller: Caller): Outcome {
  if (rule === undefined) return 'FORBIDDEN'; // deny by default, whoever calls
  if ('public' in rule) return 'allowed';
  if (caller === 'none' || caller === 'expired' || caller === 'revoked') return 'UNAUTHENTICATED';
  return RANK[caller] >= RANK[rule.role] ? 'allowed' : 'FORBIDDEN';
}

/**
 * The access outcome of a call from its error codes (GraphQL `extensions.code`, MCP `CODE: …`).
 * A call the server refused before the access check proves nothing: NOT_REACHED, never expected.
 */
export function observedOutcome(codes: readonly string[]): Outcome {
  if (codes.some((code) => NOT_REACHED.test(code))) return 'NOT_REACHED';
  if (codes.includes('UNAUTHENTICATED')) return 'UNAUTHENTICATED';
  if (codes.includes('FORBIDDEN')) return 'FORBIDDEN';
  return 'allowed';
}
