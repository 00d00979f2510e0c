import { DOCUMENT, type EnvironmentProviders, inject, makeEnvironmentProviders } from '@angular/core';
import { InMemoryCache } from '@apollo/client';
import { provideApollo } from 'apollo-angular';
import { HttpLink } from 'apollo-angular/http';
import { createSplitLink, graphqlWsUrl } from './graphql-link';

/** The API's GraphQL endpoint, on the same origin that serves the console. */
export const GRAPHQL_PATH = '/graphql';

/** Apollo over HTTP for queries and mutations, graphql-ws for subscriptions. Needs HttpClient. */
export function provideGraphql(): EnvironmentProviders {
  return makeEnvironmentProviders([
    provideApollo(() => {
      const httpLink = inject(HttpLink).create({ uri: GRAPHQL_PATH });
      const wsUrl = graphqlWsUrl(inject(DOCUMENT).location, GRAPHQL_PATH);
      return {
        link: createSplitLink(httpLink, () =>
          import('./graphql-ws-link').then((m) => m.createGraphqlWsLink(wsUrl)),
        ),
        cache: new InMemoryCache(),
      };
    }),
  ]);
}
