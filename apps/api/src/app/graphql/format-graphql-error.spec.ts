import { connect } from 'node:net';
import { GraphQLError } from 'graphql';
import { ErrorCode, isDependencyUnavailable } from '@tomo/shared';
import { formatGraphqlError } from './format-graphql-error';

/** A real ECONNREFUSED: a connection to a loopback port nothing listens on. */
function refusedConnection(): Promise<Error> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 1 });
    socket.once('error', resolve);
  });
}

describe('formatGraphqlError', () => {
  it('reports an unreachable dependency as UNAVAILABLE without its address', async () => {
    const refused = await refusedConnection();
    expect(isDependencyUnavailable(refused)).toBe(true);
    const wrapped = new GraphQLError(refused.message, { originalError: refused });
    const formatted = formatGraphqlError(
      { message: refused.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      wrapped,
    );
    expect(formatted.extensions?.['code']).toBe(ErrorCode.Unavailable);
    expect(formatted.message).toMatch(/unreachable; retry later \(request id [0-9a-f-]{36}\)/);
    expect(formatted.message).not.toContain('127.0.0.1');
  });

  it('masks any other thrown error', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'passwordCiphertext')");
    const formatted = formatGraphqlError(
      { message: bug.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      new GraphQLError(bug.message, { originalError: bug }),
    );
    expect(formatted).toMatchObject({ extensions: { code: ErrorCode.Internal } });
    expect(formatted.message).not.toContain('passwordCiphertext');
  });
});
