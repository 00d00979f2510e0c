import { ErrorCode, TomoException } from '@tomo/shared';

/** Where a connection was going, for messages. Never holds a credential. */
export interface SshEndpoint {
  host: string;
  port: number;
  username: string;
}

/** Socket-level failures: the server may well be back in a moment. */
const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  level?: unknown;
}

function asErrorLike(error: unknown): ErrorLike {
  return typeof error === 'object' && error !== null ? (error as ErrorLike) : {};
}

function where(endpoint: SshEndpoint): string {
  return `${endpoint.username}@${endpoint.host}:${endpoint.port}`;
}

/**
 * Maps whatever ssh2 or the socket threw while connecting into a TomoException:
 * refused / timed out / reset / lost → SERVER_UNREACHABLE (transient);
 * authentication failure → SSH_AUTH_FAILED (permanent). Host key mismatches are detected
 * by the pool itself (it knows both fingerprints) and never reach this function.
 */
export function toSshConnectException(error: unknown, endpoint: SshEndpoint): TomoException {
  if (error instanceof TomoException) return error;
  const e = asErrorLike(error);
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : undefined;

  if (e.level === 'client-authentication' || /authentication methods failed/i.test(message)) {
    return new TomoException(
      ErrorCode.SshAuthFailed,
      `SSH authentication as ${endpoint.username} on ${endpoint.host}:${endpoint.port} failed: the server rejected the credentials`,
    );
  }
  if (e.level === 'client-timeout') {
    return new TomoException(
      ErrorCode.ServerUnreachable,
      `SSH server ${where(endpoint)} did not answer in time (${message})`,
    );
  }
  if (code !== undefined && TRANSIENT_SOCKET_CODES.has(code)) {
    return new TomoException(
      ErrorCode.ServerUnreachable,
      `Cannot reach SSH server ${endpoint.host}:${endpoint.port}: ${describeSocketCode(code)}`,
    );
  }
  // Anything else during a handshake (socket closed early, protocol error, no common
  // algorithm): the server is not usable right now; treat it as unreachable so it is retried.
  return new TomoException(ErrorCode.ServerUnreachable, `SSH connection to ${where(endpoint)} failed: ${message}`);
}

function describeSocketCode(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is sshd listening on that port?)';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'ECONNRESET':
      return 'connection reset by peer';
    case 'ENOTFOUND':
      return 'host name not found';
    case 'EAI_AGAIN':
      return 'temporary DNS failure';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return 'no route to host';
    default:
      return code;
  }
}

/** A connection that was up and broke while a command ran on it. */
export function connectionLostException(endpoint: SshEndpoint, detail: string): TomoException {
  return new TomoException(ErrorCode.ServerUnreachable, `SSH connection to ${where(endpoint)} was lost: ${detail}`);
}

export function hostKeyMismatchException(endpoint: SshEndpoint, expected: string, seen: string): TomoException {
  return new TomoException(
    ErrorCode.HostKeyMismatch,
    `Host key of ${endpoint.host}:${endpoint.port} does not match the pinned one: expected ${expected}, the server presented ${seen}. ` +
      'If the server was reinstalled on purpose, clear the pinned fingerprint and test the connection again.',
  );
}
