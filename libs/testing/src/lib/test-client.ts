import { gql } from './graphql-client';

/**
 * The one GraphQL test client of the specs, e2e tests and tools: the set-up steps every one of
 * them needs (the first admin, users of a role, signing in) and requests that must succeed.
 * They throw with the GraphQL errors, so a broken set-up fails loudly instead of leaving an empty
 * token behind. Assertions on errors use `gql` and `errorCodes`.
 */

/** A GraphQL endpoint: its URL, a `TestApi`, or a running stack (`<baseUrl>/graphql`). */
export type GraphqlTarget = string | { graphqlUrl: string } | { baseUrl: string };

export interface Credentials {
  username: string;
  password: string;
}

const SETUP_ADMIN = 'mutation($input: SetupAdminInput!) { setupAdmin(input: $input) { token } }';
const LOGIN = 'mutation($input: LoginInput!) { login(input: $input) { token } }';
const CREATE_USER = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }';

function urlOf(target: GraphqlTarget): string {
  if (typeof target === 'string') return target;
  return 'graphqlUrl' in target ? target.graphqlUrl : `${target.baseUrl}/graphql`;
}

/** The data of a request that must succeed (throws with its errors otherwise). */
export async function gqlOk<T = Record<string, unknown>>(
  target: GraphqlTarget,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<T> {
  const result = await gql<T>(urlOf(target), query, variables, token ?? {});
  if (result.errors || !result.data)
    throw new Error(`${query}: HTTP ${result.status} ${JSON.stringify(result.errors)}`);
  return result.data;
}

/** Creates the first admin and returns its session token. */
export async function setupAdmin(target: GraphqlTarget, admin: Credentials): Promise<string> {
  return (await gqlOk<{ setupAdmin: { token: string } }>(target, SETUP_ADMIN, { input: admin })).setupAdmin.token;
}

/** Signs in with a password and returns the session token. */
export async function signIn(target: GraphqlTarget, { username, password }: Credentials): Promise<string> {
  return (await gqlOk<{ login: { token: string } }>(target, LOGIN, { input: { username, password } })).login.token;
}

/** Creates a user of `role` as the admin. */
export async function createUser(
  target: GraphqlTarget,
  adminToken: string,
  user: Credentials & { role: string },
): Promise<void> {
  await gqlOk(target, CREATE_USER, { input: user }, adminToken);
}

/** Creates a user of `role` as the admin, signs it in and returns its session token. */
export async function signInNewUser(
  target: GraphqlTarget,
  adminToken: string,
  user: Credentials & { role: string },
): Promise<string> {
  await createUser(target, adminToken, user);
  return signIn(target, user);
}
