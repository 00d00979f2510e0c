import { ErrorCode } from './error-code';

/**
 * The one exception type domain and worker code throws. Its `code` decides how each door
 * (GraphQL, MCP, the job timeline) reports it; the message is shown to users as is, so it
 * names the problem and never holds a secret.
 */
export class TomoException extends Error {
  override readonly name = 'TomoException';

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Facts a client acts on, sent beside `code` (e.g. `retryAfterSeconds` of a RATE_LIMITED). */
    readonly details: Readonly<Record<string, number | string>> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string) =>
  new TomoException(ErrorCode.NotFound, `${what} ${id} does not exist`);
