import type { ApolloLink } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';

/**
 * Loaded on demand by createSplitLink: graphql-ws stays out of the initial bundle. The socket
 * carries no token: the browser sends the session cookie with the upgrade request, which the API
 * accepts from its own Origin. One socket serves every subscription; after it drops, graphql-ws
 * reconnects and each subscription starts again (job timelines pass `afterSeq` to catch up).
 */
export function createGraphqlWsLink(url: string): ApolloLink {
  return new GraphQLWsLink(createClient({ url, lazy: true, retryAttempts: Infinity, shouldRetry: () => true }));
}
