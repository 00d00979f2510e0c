export { readTestbed, type TestbedState } from './lib/testbed';
export { errorCodes, firstResult, gql, type GqlError, type GqlResult, wsClient } from './lib/graphql-client';
export { deleteRedisKeys, randomRedisPrefix, startTestApi, TEST_REDIS_URL, type TestApi } from './lib/test-api';
export {
  createPostgresTestDatabase,
  createWorkflowTestEnv,
  waitFor,
  type WorkflowTestEnv,
} from './lib/workflow-test-env';
export { commitAll, createGitRepo, gitIn } from './lib/git-repo-fixture';
export { freePort, ThrowawayRedis, ThrowawaySshd } from './lib/throwaway-servers';
export {
  createUser,
  type Credentials,
  type GraphqlTarget,
  gqlOk,
  setupAdmin,
  signIn,
  signInNewUser,
} from './lib/test-client';
