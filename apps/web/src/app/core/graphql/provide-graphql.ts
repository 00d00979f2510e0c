import { DOCUMENT, type EnvironmentProviders, inject, Injector, makeEnvironmentProviders } from '@angular/core';
import { ApolloLink, CombinedGraphQLErrors, InMemoryCache } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { provideApollo } from 'apollo-angular';
import { HttpLink } from 'apollo-angular/http';
import { GRAPHQL_PATH } from '@tomo/shared';
import { SessionService } from '../auth/session.service';
import { createSplitLink, graphqlWsUrl } from './graphql-link';

/** Apollo over HTTP for queries and mutations, graphql-ws for subscriptions. Needs HttpClient. */
export function provideGraphql(): EnvironmentProviders {
  return makeEnvironmentProviders([
    provideApollo(() => {
      const injector = inject(Injector);
      const httpLink = inject(HttpLink).create({ uri: GRAPHQL_PATH });
      const wsUrl = graphqlWsUrl(inject(DOCUMENT).location, GRAPHQL_PATH);
      // A session that ends while the console is open (idle, revoked, expired): sign in again.
      const sessionEnded = new ErrorLink(({ error }) => {
        if (CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.['code'] === 'UNAUTHENTICATED')) {
          void injector.get(SessionService).expired();
        }
      });
      return {
        link: ApolloLink.from([
          sessionEnded,
          createSplitLink(httpLink, () => import('./graphql-ws-link').then((m) => m.createGraphqlWsLink(wsUrl))),
        ]),
        cache: new InMemoryCache(),
      };
    }),
  ]);
}
