import { CombinedGraphQLErrors } from '@apollo/client';
import { apiError, fieldOfMessage } from './api-error';

describe('apiError', () => {
  it('takes the code and message of the first GraphQL error', () => {
    const error = new CombinedGraphQLErrors({
      errors: [
        { message: 'host must be a host name or an IP address (got "x y")', extensions: { code: 'BAD_USER_INPUT' } },
      ],
    });
    expect(apiError(error)).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'host must be a host name or an IP address (got "x y")',
    });
  });

  it('says the API could not be reached for anything else', () => {
    expect(apiError(new Error('Failed to fetch'))).toEqual({
      code: 'NETWORK',
      message: 'The API could not be reached (Failed to fetch)',
    });
  });
});

describe('fieldOfMessage', () => {
  const fields = ['name', 'host', 'port', 'privateKey'] as const;

  it('finds the field a message starts with', () => {
    expect(fieldOfMessage('port must be a whole number from 1 to 65535 (got 0)', fields)).toBe('port');
    expect(fieldOfMessage('privateKey is required when authType is KEY', fields)).toBe('privateKey');
  });

  it('finds none when the message names no field of the form', () => {
    expect(fieldOfMessage('passphrase can only be changed together with privateKey', fields)).toBeUndefined();
    expect(fieldOfMessage('Server testbed has deployments', fields)).toBeUndefined();
  });
});
