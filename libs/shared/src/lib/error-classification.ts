import { ErrorCode } from './error-code';
import { TomoException } from './tomo-exception';

/**
 * The one answer to "may another attempt help?" for each code. A Record, so that a new code
 * does not compile until someone decides. Transient: the server, network, registry or a
 * dependency may be back, or a limit may have passed. Internal (a bug, or an error nobody
 * classified) is retried too: it may be a passing condition (disk full, a dropped connection),
 * and the step's attempts bound it.
 */
const TRANSIENT: Record<ErrorCode, boolean> = {
  [ErrorCode.Unauthenticated]: false,
  [ErrorCode.Forbidden]: false,
  [ErrorCode.BadUserInput]: false,
  [ErrorCode.NotFound]: false,
  [ErrorCode.Conflict]: false,
  [ErrorCode.RateLimited]: true,
  [ErrorCode.SshAuthFailed]: false,
  [ErrorCode.HostKeyMismatch]: false,
  [ErrorCode.ServerUnreachable]: true,
  [ErrorCode.StepTimeout]: true,
  [ErrorCode.Cancelled]: false,
  [ErrorCode.RemoteCommandFailed]: true,
  [ErrorCode.ImagePullFailed]: true,
  [ErrorCode.HealthCheckFailed]: true,
  [ErrorCode.ContainerMissing]: false,
  [ErrorCode.GitFailed]: true,
  [ErrorCode.Unavailable]: true,
  [ErrorCode.Internal]: true,
};

/** Whether a stored or thrown code is worth another attempt (an unknown string counts as Internal). */
export function isTransientCode(code: string): boolean {
  return TRANSIENT[code as ErrorCode] ?? TRANSIENT[ErrorCode.Internal];
}

/** Transient vs permanent for any thrown value: a TomoException by its code, anything else as Internal. */
export function isTransientError(error: unknown): boolean {
  return isTransientCode(error instanceof TomoException ? error.code : ErrorCode.Internal);
}

/**
 * True when the error says the server could not be reached or did not answer in time (the
 * server's status becomes Offline), as opposed to refusing us or failing a command. Whether
 * to retry is another question: see `isTransientError`.
 */
export function meansServerOffline(error: unknown): boolean {
  return (
    error instanceof TomoException &&
    (error.code === ErrorCode.ServerUnreachable || error.code === ErrorCode.StepTimeout)
  );
}

/** Network failures of Redis, Postgres or SQLite's lock: the caller may retry later. */
const UNAVAILABLE_ERROR_CODES = new Set<string>([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);
const UNAVAILABLE_ERROR_NAMES = new Set<string>(['MaxRetriesPerRequestError', 'ConnectionTimeoutError']);

/** The error and every `originalError`/`cause` it wraps (Apollo and Nest each add a layer). */
export function* errorChain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let current = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    yield current;
    const next = current as { originalError?: unknown; cause?: unknown };
    current = next.originalError ?? next.cause;
  }
}

/**
 * Whether an unexpected error is a dependency that cannot be reached (Redis, the database),
 * not a bug: reported as UNAVAILABLE. SSH and git failures never get here raw (they are
 * TomoExceptions by then), so a socket code means Redis or the database.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  for (const link of errorChain(error)) {
    if (link instanceof TomoException) return link.code === ErrorCode.Unavailable;
    const { code, name, message } = link as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
    };
    if (typeof code === 'string' && UNAVAILABLE_ERROR_CODES.has(code)) return true;
    if (typeof name === 'string' && UNAVAILABLE_ERROR_NAMES.has(name)) return true;
    // ioredis rejects commands on a closed connection with exactly this message.
    if (message === 'Connection is closed.') return true;
  }
  return false;
}
