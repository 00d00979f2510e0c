import { CombinedGraphQLErrors } from '@apollo/client';

/** An API error as the console shows it: the stable code and a message for people. */
export interface ApiError {
  readonly code: string;
  readonly message: string;
  /** RATE_LIMITED: when the lock-out ends, from the API's `extensions.retryAfterSeconds`. */
  readonly retryAfterSeconds?: number;
}

/** The first GraphQL error of a failed call, or a network/unknown failure. */
export function apiError(error: unknown): ApiError {
  if (CombinedGraphQLErrors.is(error)) {
    const first = error.errors[0];
    const retryAfter = first?.extensions?.['retryAfterSeconds'];
    return {
      code: String(first?.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR'),
      message: first?.message ?? error.message,
      ...(typeof retryAfter === 'number' && { retryAfterSeconds: retryAfter }),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'NETWORK', message: `The API could not be reached (${message})` };
}

/**
 * The input field a BAD_USER_INPUT message is about: the API's messages start with the field's
 * name ("port must be a whole number from 1 to 65535 (got 0)"), so the form can show it there.
 */
export function fieldOfMessage<F extends string>(message: string, fields: readonly F[]): F | undefined {
  const first = /^[A-Za-z]+/.exec(message)?.[0];
  return fields.find((field) => field === first);
}
