import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, errorChain, isDependencyUnavailable, TomoException } from '@tomo/shared';

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

const logger = new Logger('GraphQL');

/** What a client reads when Redis or the database is unreachable (GraphQL and MCP alike). */
export function unavailableMessage(requestId: string): string {
  return `A service Tomo depends on (database or Redis) is unreachable; retry later (request id ${requestId})`;
}

/**
 * Every error leaves with an `extensions.code`. Only what Tomo said on purpose (a
 * `TomoException`, see TomoExceptionFilter, or a GraphQLError built with one of our codes) and
 * graphql-js/Apollo's own complaints about the operation keep their message. Anything else may carry internals (SQL, Redis host:port, file
 * paths), so the client gets a generic message and a request id, and the log gets the details
 * under that id. Redis or the database unreachable is `UNAVAILABLE` (retry later).
 */
export function formatGraphqlError(formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError {
  const code = String(formatted.extensions?.['code'] ?? '');
  const chain = [...errorChain(error)];
  const fromTomo = chain.find((link): link is TomoException => link instanceof TomoException);
  if (fromTomo) {
    return {
      message: formatted.message,
      path: formatted.path,
      locations: formatted.locations,
      extensions: { ...fromTomo.details, code },
    };
  }
  // graphql-js and Apollo's own errors about the operation have no other kind of error behind them.
  const thrown = chain.filter((link) => !(link instanceof GraphQLError));
  if (CLIENT_ERROR_CODES.has(code) && thrown.length === 0) {
    return { ...formatted, extensions: { code: ErrorCode.BadUserInput } };
  }
  // A GraphQLError our own code built with one of our codes (e.g. a stream that ends UNAUTHENTICATED).
  if (KNOWN_CODES.has(code) && code !== ErrorCode.Internal && thrown.length === 0) {
    return { message: formatted.message, path: formatted.path, locations: formatted.locations, extensions: { code } };
  }
  const requestId = randomUUID();
  const unavailable = isDependencyUnavailable(error);
  const cause = thrown.at(-1);
  const details = cause instanceof Error ? (cause.stack ?? cause.message) : formatted.message;
  logger.error(
    `GraphQL ${unavailable ? 'dependency unavailable' : 'internal error'} (request ${requestId}) at ${(formatted.path ?? []).join('.') || '(operation)'}: ${details}`,
  );
  return {
    message: unavailable ? unavailableMessage(requestId) : `Internal server error (request id ${requestId})`,
    path: formatted.path,
    extensions: { code: unavailable ? ErrorCode.Unavailable : ErrorCode.Internal, requestId },
  };
}
