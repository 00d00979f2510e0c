import type { ApolloServerPlugin, GraphQLRequestContext, GraphQLRequestListener } from '@apollo/server';
import { Plugin } from '@nestjs/apollo';
import { Kind, type OperationDefinitionNode } from 'graphql';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from './metrics.controller';

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Counts and times GraphQL requests over HTTP by operation and outcome. The operation label is
 * the operation type and its first root field (`query:jobs`, `mutation:login`) — bounded by the
 * schema, unlike client-chosen operation names; a request that never parsed is `invalid`.
 */
@Plugin()
export class GraphqlMetricsPlugin implements ApolloServerPlugin {
  private readonly requests: Counter<'operation' | 'outcome'>;
  private readonly duration: Histogram<'operation' | 'outcome'>;

  constructor(registry: MetricsRegistry) {
    this.requests = new Counter({
      name: 'tomo_graphql_requests_total',
      help: 'GraphQL requests by operation and outcome (success, error)',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'tomo_graphql_request_duration_seconds',
      help: 'GraphQL request duration by operation and outcome',
      labelNames: ['operation', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
  }

  async requestDidStart(): Promise<GraphQLRequestListener<Record<string, unknown>>> {
    const started = performance.now();
    return {
      willSendResponse: async (context) => {
        const labels = {
          operation: operationLabel(context),
          outcome: context.errors?.length ? 'error' : 'success',
        };
        this.requests.inc(labels);
        this.duration.observe(labels, (performance.now() - started) / 1000);
      },
    };
  }
}

function operationLabel(context: GraphQLRequestContext<Record<string, unknown>>): string {
  const operation: OperationDefinitionNode | undefined = context.operation;
  if (!operation) return 'invalid';
  const first = operation.selectionSet.selections.find((selection) => selection.kind === Kind.FIELD);
  return `${operation.operation}:${first?.kind === Kind.FIELD ? first.name.value : 'none'}`;
}
