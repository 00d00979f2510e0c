import { ErrorCode, isDependencyUnavailable, TomoException } from '@tomo/shared';
import type { AnyAuthMethod, AuthenticationType, ParsedKey } from 'ssh2';
import { parsePrivateKey } from '@tomo/ssh-keys';

/** What the worker decrypts, only when a new connection is opened. */
export interface SshCredentials {
  password?: string | Buffer;
  privateKey?: string | Buffer;
  passphrase?: string | Buffer;
}

/** Called once per new connection; the result is dropped as soon as authentication ends. */
export type SshCredentialsProvider = () => Promise<SshCredentials>;

/** The methods one handshake may try, and which it tried. Lives only as long as the handshake. */
export interface AuthPlan {
  key: ParsedKey | undefined;
  password: string | Buffer | undefined;
  tried: Set<string>;
}

/**
 * Asks the provider for the server's credentials and checks they can be used: a key that does
 * not parse, or neither key nor password, is SSH_AUTH_FAILED before any connection is tried.
 */
export async function loadAuthPlan(serverId: string, provider: SshCredentialsProvider): Promise<AuthPlan> {
  let creds: SshCredentials;
  try {
    creds = await provider();
  } catch (error) {
    if (error instanceof TomoException) throw error;
    // The provider reads the database: an unreachable one means "retry later", not a bug.
    throw new TomoException(
      isDependencyUnavailable(error) ? ErrorCode.Unavailable : ErrorCode.Internal,
      `Could not load the credentials of server ${serverId}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  let key: ParsedKey | undefined;
  if (creds.privateKey !== undefined && creds.privateKey !== '' && creds.privateKey.length > 0) {
    try {
      key = parsePrivateKey(creds.privateKey, creds.passphrase);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new TomoException(
        ErrorCode.SshAuthFailed,
        `The stored private key of server ${serverId} cannot be used: ${why}`,
      );
    }
  }
  const password = creds.password !== undefined && creds.password.length > 0 ? creds.password : undefined;
  if (!key && password === undefined) {
    throw new TomoException(ErrorCode.SshAuthFailed, `Server ${serverId} has neither a password nor a private key`);
  }
  return { key, password, tried: new Set() };
}

/** Public key first (when there is one), then password; each once; then give up. */
export function nextAuthMethod(
  plan: AuthPlan,
  methodsLeft: AuthenticationType[] | null,
  username: string,
): AnyAuthMethod | false {
  const allowed = (m: AuthenticationType): boolean => methodsLeft === null || methodsLeft.includes(m);
  if (plan.key && !plan.tried.has('publickey') && allowed('publickey')) {
    plan.tried.add('publickey');
    return { type: 'publickey', username, key: plan.key };
  }
  if (plan.password !== undefined && !plan.tried.has('password') && allowed('password')) {
    plan.tried.add('password');
    return { type: 'password', username, password: plan.password.toString() };
  }
  return false;
}
