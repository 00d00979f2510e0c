import { ApolloLink } from '@apollo/client';
import { OperationTypeNode } from 'graphql';
import { from, switchMap } from 'rxjs';

/**
 * Routes subscriptions to the WebSocket link and everything else to HTTP.
 *
 * The WebSocket link is loaded (code and socket) when the first subscription starts, so a page that
 * never subscribes never opens a socket, and queries keep working where WebSockets are unavailable.
 */
export function createSplitLink(httpLink: ApolloLink, loadWsLink: () => Promise<ApolloLink>): ApolloLink {
  let wsLink: Promise<ApolloLink> | undefined;
  const lazyWsLink = new ApolloLink((operation, forward) => {
    wsLink ??= loadWsLink().catch((error: unknown) => {
      wsLink = undefined; // let the next subscription try again
      throw error;
    });
    return from(wsLink).pipe(switchMap((link) => link.request(operation, forward)));
  });
  return ApolloLink.split(
    (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
    lazyWsLink,
    httpLink,
  );
}

/** `ws://host/graphql` or `wss://host/graphql`, on the origin that served the console. */
export function graphqlWsUrl(location: Pick<Location, 'protocol' | 'host'>, path: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path}`;
}
