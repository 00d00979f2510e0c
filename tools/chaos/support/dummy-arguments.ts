import {
  getNamedType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
} from 'graphql';

/** An id no record has: an allowed call that names it ends NOT_FOUND, nothing is touched. */
export const MISSING_ID = '00000000-0000-4000-8000-000000000000';
/** The discard port on loopback: nothing listens, nothing leaves the machine. */
export const LOOPBACK_URL = 'http://127.0.0.1:9/tomo-chaos.git';

/**
 * A harmless, well-typed value for a field, chosen by its name: ids that match nothing, hosts
 * and URLs on loopback only (this machine must send no other traffic), a dummy password.
 */
export function dummyString(name: string): string {
  if (/id$/i.test(name)) return MISSING_ID;
  if (/url/i.test(name)) return LOOPBACK_URL;
  if (/host/i.test(name)) return '127.0.0.1';
  if (/email|address|from|^to$/i.test(name)) return 'chaos@localhost';
  if (/password|passphrase/i.test(name)) return 'chaos dummy passphrase 1';
  return 'chaos';
}

function dummyNumber(name: string): number {
  return /port/i.test(name) ? 9 : 1;
}

/**
 * Values to use instead of dummies, by field name (a function: a new value at each use, e.g. a
 * unique name): the hostile-input run points ids at real records so that values reach the servers.
 */
export type KnownValues = Record<string, unknown>;

function known(values: KnownValues, name: string): unknown {
  const value = values[name];
  return typeof value === 'function' ? (value as () => unknown)() : value;
}

/** A value of a GraphQL input type: required fields only, lists empty. */
export function dummyGraphqlValue(type: GraphQLInputType, name: string, values: KnownValues = {}): unknown {
  const given = known(values, name);
  if (given !== undefined) return given;
  if (isNonNullType(type)) return dummyGraphqlValue(type.ofType, name, values);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]?.name;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((field) => isNonNullType(field.type))
        .map((field) => [field.name, dummyGraphqlValue(field.type, field.name, values)]),
    );
  }
  switch (type.name) {
    case 'Int':
    case 'Float':
      return dummyNumber(name);
    case 'Boolean':
      return false;
    case 'DateTime':
      return new Date().toISOString();
    default:
      return dummyString(name); // ID, String and custom string scalars
  }
}

export type RootKind = 'query' | 'mutation' | 'subscription';

export interface RootOperation {
  /** `Query.me`, as operationAccess names it. */
  operation: string;
  kind: RootKind;
  field: GraphQLField<unknown, unknown>;
}

/** Every root field of the schema. */
export function rootOperations(schema: GraphQLSchema): RootOperation[] {
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const;
  return roots.flatMap(([kind, root]) =>
    root
      ? Object.values(root.getFields()).map((field) => ({ operation: `${root.name}.${field.name}`, kind, field }))
      : [],
  );
}

/**
 * One document calling the operation with `args` as variables (declared with their schema types),
 * selecting only `__typename` of an object result so that no field resolver runs besides it.
 */
export function operationDocument(op: RootOperation, args: readonly GraphQLArgument[] = op.field.args): string {
  const declared = args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const passed = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isLeafType(getNamedType(op.field.type)) ? '' : ' { __typename }';
  return `${op.kind}${declared ? `(${declared})` : ''} { ${op.field.name}${passed ? `(${passed})` : ''}${selection} }`;
}

/** The required arguments with dummy values, for an access check that touches nothing. */
export function dummyArguments(
  op: RootOperation,
  values: KnownValues = {},
): { args: GraphQLArgument[]; variables: Record<string, unknown> } {
  const args = op.field.args.filter((arg) => isNonNullType(arg.type));
  return {
    args,
    variables: Object.fromEntries(args.map((arg) => [arg.name, dummyGraphqlValue(arg.type, arg.name, values)])),
  };
}

/** A JSON schema as tools/list gives it (the subset zod writes). */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  minimum?: number;
  format?: string;
}

/** A value an MCP tool's input schema accepts: required properties only, `confirm: true`. */
export function dummyJsonValue(schema: JsonSchema, name: string, values: KnownValues = {}): unknown {
  const given = known(values, name);
  if (given !== undefined) return given;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf?.[0]) return dummyJsonValue(schema.anyOf[0], name, values);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        (schema.required ?? []).map((key) => [key, dummyJsonValue(schema.properties?.[key] ?? {}, key, values)]),
      );
    case 'array':
      return [];
    case 'boolean':
      return name === 'confirm';
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 0, dummyNumber(name));
    default:
      return schema.format === 'date-time' ? new Date().toISOString() : dummyString(name);
  }
}
