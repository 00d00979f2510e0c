import type { ApolloServerPlugin } from '@apollo/server';
import {
  type ExecutionArgs,
  type ExecutionResult,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type SelectionSetNode,
  specifiedRules,
  validate,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { ErrorCode } from '@tomo/shared';

/**
 * What one GraphQL operation may cost, for every door (HTTP, graphql-ws; MCP reuses the page
 * and size bounds). Without them one request of 200 aliased `containerLogs` fields ran 200 jobs
 * and SSH commands.
 */
export const OPERATION_LIMITS = {
  /** Nesting of fields (introspection's own `__schema`/`__type` fields excepted). */
  maxDepth: 12,
  /** Aliased fields in one operation and the fragments it uses. */
  maxAliases: 20,
  /** graphql-query-complexity: 1 per field, a field's `complexity` where declared, each mutation field 50. */
  maxComplexity: 1_000,
  /** Cost of one root Mutation field: each writes, audits, often starts a job. */
  mutationComplexity: 50,
  /** Operations (subscriptions and in-flight queries) open at once on one graphql-ws connection. */
  maxOperationsPerConnection: 25,
  /** The largest graphql-ws frame (bytes); `ws` would otherwise accept 100 MiB before authentication. */
  maxWebSocketPayloadBytes: 1024 * 1024,
  /** Fields a document may hold after fragments are expanded (graphql-query-complexity's guard). */
  maxQueryNodes: 10_000,
} as const;

/** A limit was exceeded: BAD_USER_INPUT, naming the limit. */
export function limitError(limit: keyof typeof OPERATION_LIMITS, message: string): GraphQLError {
  return new GraphQLError(`${message} (limit ${limit} = ${OPERATION_LIMITS[limit]})`, {
    extensions: { code: ErrorCode.BadUserInput, limit, http: { status: 400 } },
  });
}

const isIntrospectionField = (name: string) => name.startsWith('__');

/** The deepest field nesting under a selection set, following fragment spreads (each once per path). */
function depthOf(
  selectionSet: SelectionSetNode | undefined,
  fragment: (name: string) => FragmentDefinitionNode | undefined | null,
  visiting: Set<string>,
): number {
  if (!selectionSet) return 0;
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (isIntrospectionField(selection.name.value)) continue;
      deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, fragment, visiting));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragment, visiting));
    } else {
      const name = selection.name.value;
      const definition = fragment(name);
      // A cycle is NoFragmentCyclesRule's to report.
      if (!definition || visiting.has(name)) continue;
      visiting.add(name);
      deepest = Math.max(deepest, depthOf(definition.selectionSet, fragment, visiting));
      visiting.delete(name);
    }
  }
  return deepest;
}

/** Refuses operations nested deeper than `maxDepth`. */
export const DepthLimitRule: ValidationRule = (context: ValidationContext) => ({
  OperationDefinition(operation) {
    const depth = depthOf(operation.selectionSet, (name) => context.getFragment(name), new Set());
    if (depth > OPERATION_LIMITS.maxDepth) {
      context.reportError(limitError('maxDepth', `The operation nests ${depth} levels deep`));
    }
  },
});

/** Refuses operations with more than `maxAliases` aliased fields (counting the fragments they use). */
export const AliasLimitRule: ValidationRule = (context: ValidationContext) => ({
  OperationDefinition(operation) {
    let aliases = 0;
    const count = (selectionSet: SelectionSetNode) => {
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD && selection.alias) aliases += 1;
        if (selection.kind !== Kind.FRAGMENT_SPREAD && selection.selectionSet) count(selection.selectionSet);
      }
    };
    count(operation.selectionSet);
    for (const fragment of context.getRecursivelyReferencedFragments(operation)) count(fragment.selectionSet);
    if (aliases > OPERATION_LIMITS.maxAliases) {
      context.reportError(limitError('maxAliases', `The operation has ${aliases} aliased fields`));
    }
  },
});

/** The validation rules every door adds to graphql-js's own. */
export const LIMIT_VALIDATION_RULES: readonly ValidationRule[] = [DepthLimitRule, AliasLimitRule];

/** The operation's cost, or a BAD_USER_INPUT error when it is over `maxComplexity` (needs the variables). */
export function complexityError(args: {
  schema: GraphQLSchema;
  document: ExecutionArgs['document'];
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}): GraphQLError | null {
  let complexity: number;
  try {
    complexity = getComplexity({
      schema: args.schema,
      query: args.document,
      variables: args.variables ?? {},
      operationName: args.operationName ?? undefined,
      maxQueryNodes: OPERATION_LIMITS.maxQueryNodes,
      estimators: [
        fieldExtensionsEstimator(),
        ({ type, childComplexity }) =>
          type.name === 'Mutation' ? OPERATION_LIMITS.mutationComplexity + childComplexity : undefined,
        simpleEstimator({ defaultComplexity: 1 }),
      ],
    });
  } catch (error) {
    if (error instanceof GraphQLError && /query nodes/i.test(error.message)) {
      return limitError('maxQueryNodes', 'The operation expands to too many fields');
    }
    // Anything else (e.g. missing variables) is execution's to report.
    return null;
  }
  return complexity > OPERATION_LIMITS.maxComplexity
    ? limitError('maxComplexity', `The operation costs ${complexity}`)
    : null;
}

/** Apollo (HTTP): the complexity check, once the operation is parsed, validated and its variables known. */
export function operationLimitsPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          const error = complexityError({
            schema,
            document,
            variables: request.variables,
            operationName: request.operationName,
          });
          if (error) throw error;
        },
      };
    },
  };
}

/**
 * graphql-ws options with the same limits as HTTP: the validation rules (and introspection when
 * it is off), the complexity check, and at most `maxOperationsPerConnection` open operations.
 * `format` gives errors the HTTP door's masking (graphql-ws would send them raw).
 */
export function graphqlWsLimits(options: {
  introspection: boolean;
  format: (error: GraphQLError) => GraphQLFormattedError;
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}) {
  const rules = [
    ...specifiedRules,
    ...LIMIT_VALIDATION_RULES,
    ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
  const guarded =
    (run: (args: ExecutionArgs) => unknown) =>
    (args: ExecutionArgs): unknown => {
      const error = complexityError({
        schema: args.schema,
        document: args.document,
        variables: args.variableValues as Record<string, unknown> | undefined,
        operationName: args.operationName,
      });
      return error ? ({ errors: [error] } satisfies ExecutionResult) : run(args);
    };
  return {
    // Coded as Apollo codes its validation errors, so the formatter keeps their messages.
    validate: (schema: GraphQLSchema, document: ExecutionArgs['document']) =>
      validate(schema, document, rules).map(
        (error) =>
          new GraphQLError(error.message, {
            nodes: error.nodes,
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...error.extensions },
          }),
      ),
    execute: guarded(options.execute),
    subscribe: guarded(options.subscribe),
    onSubscribe: (ctx: { subscriptions: Record<string, unknown> }) => {
      // graphql-ws has already registered the new operation when this runs.
      const open = Object.keys(ctx.subscriptions).length;
      if (open > OPERATION_LIMITS.maxOperationsPerConnection) {
        return [limitError('maxOperationsPerConnection', `This connection already has ${open - 1} operations open`)];
      }
      return undefined;
    },
    onNext: (_ctx: unknown, _id: string, _payload: unknown, _args: unknown, result: ExecutionResult) =>
      result.errors ? { ...result, errors: result.errors.map(options.format) } : undefined,
    onError: (_ctx: unknown, _id: string, _payload: unknown, errors: readonly GraphQLError[]) =>
      errors.map(options.format),
  };
}
