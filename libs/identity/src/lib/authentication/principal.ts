import type { Role } from '@tomo/shared';

/** Who is calling, after authentication. */
export interface Principal {
  kind: 'session' | 'api-token';
  userId: string;
  username: string;
  /** What this caller may do: the user's role, or the weaker of the token's role and its owner's. */
  role: Role;
  /** The user's own role (for the `me` query). */
  userRole: Role;
  sessionId?: string;
  /** Sessions: when this one ends unless used again (idle timeout, or its expiry if sooner). */
  sessionExpiresAt?: Date;
  apiTokenId?: string;
  apiTokenName?: string;
}
