import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';

/**
 * Apollo's default cache-control plugin, replaced by its one visible effect. It hooks every
 * resolved field (12,000 calls for one `servers` list of 1,000) to add up cache hints Tomo never
 * declares, and then always answers `Cache-Control: no-store`. Every answer is per caller, so
 * that header is set here once per response instead.
 */
export function noStorePlugins(): ApolloServerPlugin[] {
  return [
    ApolloServerPluginCacheControlDisabled(),
    {
      async requestDidStart() {
        return {
          async willSendResponse({ response }) {
            response.http.headers.set('cache-control', 'no-store');
          },
        };
      },
    },
  ];
}
