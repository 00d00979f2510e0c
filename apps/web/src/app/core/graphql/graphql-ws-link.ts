import type { ApolloLink } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';

/** Loaded on demand by createSplitLink: graphql-ws stays out of the initial bundle. */
export function createGraphqlWsLink(url: string): ApolloLink {
  return new GraphQLWsLink(createClient({ url, lazy: true, retryAttempts: 5 }));
}
