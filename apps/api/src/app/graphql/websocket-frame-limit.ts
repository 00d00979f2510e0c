import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { OPERATION_LIMITS } from './operation-limits';

/** The parts of @nestjs/apollo's driver that hold the graphql-ws server (not public API). */
interface DriverWithSubscriptions {
  _subscriptionService?: { wss?: { options?: { maxPayload?: number } } };
}

/**
 * Caps graphql-ws frames at `maxWebSocketPayloadBytes`. Nest creates the `ws` server itself and
 * passes no `maxPayload`, so `ws` would read and parse frames of up to 100 MiB before any
 * authentication. `ws` reads the option at each upgrade, so setting it once the server exists
 * covers every connection. Refuses to boot if the driver's shape changed, so the cap never
 * silently disappears in an upgrade.
 */
@Injectable()
export class WebSocketFrameLimit implements OnApplicationBootstrap {
  constructor(private readonly moduleRef: ModuleRef) {}

  onApplicationBootstrap(): void {
    const graphql = this.moduleRef.get(GraphQLModule, { strict: false });
    const options = (graphql.graphQlAdapter as unknown as DriverWithSubscriptions)._subscriptionService?.wss?.options;
    if (!options) throw new Error('graphql-ws server not found: cannot apply the WebSocket frame limit');
    options.maxPayload = OPERATION_LIMITS.maxWebSocketPayloadBytes;
  }
}
