/**
 * Stable error codes, surfaced as GraphQL `extensions.code` and in MCP tool errors.
 * Clients branch on these strings: never rename one.
 */
export enum ErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  BadUserInput = 'BAD_USER_INPUT',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  RateLimited = 'RATE_LIMITED',
  SshAuthFailed = 'SSH_AUTH_FAILED',
  HostKeyMismatch = 'HOST_KEY_MISMATCH',
  ServerUnreachable = 'SERVER_UNREACHABLE',
  StepTimeout = 'STEP_TIMEOUT',
  Cancelled = 'CANCELLED',
  /** Redis or the database is unreachable: retry later. */
  Unavailable = 'UNAVAILABLE',
  Internal = 'INTERNAL_SERVER_ERROR',
}
