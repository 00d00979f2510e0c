import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '@tomo/shared';

/** Codes that graphql-js and Apollo set themselves for malformed operations. */
const CLIENT_ERROR_CODES = new Set<string>([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
]);

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * Every error leaves with an `extensions.code`. Unexpected errors are masked: their
 * message may carry internals (SQL, paths), so clients only learn that something failed.
 */
export function formatGraphqlError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = String(formatted.extensions?.['code'] ?? '');
  if (KNOWN_CODES.has(code)) return { message: formatted.message, path: formatted.path, locations: formatted.locations, extensions: { code } };
  if (CLIENT_ERROR_CODES.has(code)) {
    return { ...formatted, extensions: { code: ErrorCode.BadUserInput } };
  }
  return {
    message: 'Internal server error',
    path: formatted.path,
    extensions: { code: ErrorCode.Internal },
  };
}
