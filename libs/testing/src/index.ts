export * from './lib/testbed';
export * from './lib/graphql-client';
export * from './lib/test-api';
export * from './lib/workflow-test-env';
export * from './lib/git-repo-fixture';
export * from './lib/test-client';
