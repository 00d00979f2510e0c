import { gql, errorCodes, setupAdmin, startTestApi, type TestApi } from '@tomo/testing';
import { AppModule } from '../app.module';
import { operationAccess, undeclaredOperations } from './operation-access';
import { appWithRoleProbe } from './role-probe.testing';

/**
 * Walks every Query, Mutation and Subscription field of the served schema and fails when one
 * declares no role (@Roles or @Public): the AuthGuard would refuse it to everyone. New modules'
 * operations are covered as soon as AppModule imports them.
 */
describe('every GraphQL operation declares its access', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi((config) => AppModule.forRoot(config));
  });
  afterAll(() => api?.close());

  it('has no operation without a declared role', () => {
    const operations = operationAccess(api.app);
    // Not vacuous: the walk sees the identity operations.
    expect(operations.map((o) => o.operation)).toEqual(
      expect.arrayContaining(['Query.me', 'Query.version', 'Mutation.login', 'Mutation.createUser', 'Query.auditLog']),
    );
    expect(undeclaredOperations(api.app)).toEqual([]);
  });

  it('declares the identity operations as documented', () => {
    const rules = Object.fromEntries(operationAccess(api.app).map((o) => [o.operation, o.rule]));
    expect(rules).toMatchObject({
      'Query.version': { public: true },
      'Query.setupRequired': { public: true },
      'Mutation.setupAdmin': { public: true },
      'Mutation.login': { public: true },
      'Mutation.logout': { role: 'VIEWER' },
      'Query.me': { role: 'VIEWER' },
      'Mutation.changePassword': { role: 'VIEWER' },
      'Query.apiTokens': { role: 'VIEWER' },
      'Mutation.createApiToken': { role: 'VIEWER' },
      'Mutation.revokeApiToken': { role: 'VIEWER' },
      'Query.sessions': { role: 'VIEWER' },
      'Mutation.revokeSession': { role: 'VIEWER' },
      'Query.users': { role: 'ADMIN' },
      'Mutation.createUser': { role: 'ADMIN' },
      'Mutation.updateUser': { role: 'ADMIN' },
      'Query.auditLog': { role: 'ADMIN' },
    });
  });
});

describe('deny by default', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(appWithRoleProbe);
  });
  afterAll(() => api?.close());

  it('the walk catches an operation without a declaration', () => {
    expect(undeclaredOperations(api.app)).toEqual(['Query.probeUndeclared']);
  });

  it('the guard refuses it, even to an admin', async () => {
    const token = await setupAdmin(api, { username: 'admin', password: 'a long and quiet passphrase' });
    const result = await gql(api.graphqlUrl, '{ probeUndeclared }', {}, token);
    expect(errorCodes(result)).toEqual(['FORBIDDEN']);
    expect(result.errors?.[0].message).toBe('Query.probeUndeclared is not available: it declares no role');
  });

  it('the HTTP routes declared public answer without credentials', async () => {
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
    expect((await fetch(`${api.url}/metrics`)).status).toBe(200);
    expect((await gql(api.graphqlUrl, '{ version }')).data).toEqual({ version: expect.any(String) });
  });
});
