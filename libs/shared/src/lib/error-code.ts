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
  /** A command on a managed server exited non-zero where success was expected. */
  RemoteCommandFailed = 'REMOTE_COMMAND_FAILED',
  /** `docker pull` failed for another reason than a missing image (registry, network, disk). */
  ImagePullFailed = 'IMAGE_PULL_FAILED',
  /** A deployed container did not become healthy, or stopped while it was checked. */
  HealthCheckFailed = 'HEALTH_CHECK_FAILED',
  /** A container Tomo created earlier in the run is no longer there (removed outside Tomo). */
  ContainerMissing = 'CONTAINER_MISSING',
  /** A git command against a catalog repository failed for no reason git names (neither address nor network). */
  GitFailed = 'GIT_FAILED',
  /** Redis or the database is unreachable: retry later. */
  Unavailable = 'UNAVAILABLE',
  /** A bug: never thrown for something that is expected to fail. */
  Internal = 'INTERNAL_SERVER_ERROR',
}
