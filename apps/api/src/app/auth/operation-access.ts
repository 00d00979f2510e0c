import { Injectable, type Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef, Reflector } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { type Role, roleSatisfies } from '@tomo/shared';
import { type AccessRule, accessRuleOf } from './access.decorator';

const RESOLVER_TYPE_METADATA = 'graphql:resolver_type';
const RESOLVER_NAME_METADATA = 'graphql:resolver_name';
const ROOT_TYPES = ['Query', 'Mutation', 'Subscription'] as const;

/** An application context or a ModuleRef. */
export interface ProviderLookup {
  get<T>(type: Type<T>, options: { strict: false }): T;
}

export interface OperationAccess {
  /** `Query.me`, `Mutation.login`, `Subscription.jobEvents`… */
  operation: string;
  rule: AccessRule | undefined;
}

/**
 * Every root operation of the served GraphQL schema with the access rule its resolver declares
 * (undefined: none, so the AuthGuard refuses it). Used by the schema-walk test and the boot check;
 * the MCP door can list its tools the same way.
 */
export function operationAccess(app: ProviderLookup): OperationAccess[] {
  const reflector = app.get(Reflector, { strict: false });
  const scanner = app.get(MetadataScanner, { strict: false });
  const declared = new Map<string, AccessRule | undefined>();
  for (const wrapper of app.get(DiscoveryService, { strict: false }).getProviders()) {
    const instance: unknown = wrapper.instance;
    if (!instance || typeof instance !== 'object') continue;
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
    for (const method of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[method] as () => unknown;
      const type: unknown = Reflect.getMetadata(RESOLVER_TYPE_METADATA, handler);
      if (typeof type !== 'string' || !(ROOT_TYPES as readonly string[]).includes(type)) continue;
      const name = (Reflect.getMetadata(RESOLVER_NAME_METADATA, handler) as string | undefined) ?? method;
      declared.set(`${type}.${name}`, accessRuleOf(reflector, handler, (instance as object).constructor));
    }
  }
  const schema = app.get(GraphQLSchemaHost, { strict: false }).schema;
  return ROOT_TYPES.flatMap((rootName) => {
    const root = schema.getType(rootName);
    if (!root || !('getFields' in root)) return [];
    return Object.keys(root.getFields()).map((field) => {
      const operation = `${rootName}.${field}`;
      return { operation, rule: declared.get(operation) };
    });
  });
}

/** Operations that declare no role, so the AuthGuard refuses them. */
export function undeclaredOperations(app: ProviderLookup): string[] {
  return operationAccess(app)
    .filter((entry) => entry.rule === undefined)
    .map((entry) => entry.operation);
}

/** Whether `rule` lets a caller with `role` run the operation, as the AuthGuard decides it. */
export function ruleAllows(rule: AccessRule | undefined, role: Role): boolean {
  return rule !== undefined && ('public' in rule || roleSatisfies(role, rule.role));
}

/**
 * What a role may run, for `User.permissions` (the console shows only the actions the API will
 * accept): read from the same declarations the AuthGuard enforces, once the schema is built.
 */
@Injectable()
export class OperationPermissions {
  private access: OperationAccess[] | null = null;

  constructor(private readonly moduleRef: ModuleRef) {}

  /** `Query.…`, `Mutation.…` and `Subscription.…` names, public operations included, in schema order. */
  forRole(role: Role): string[] {
    this.access ??= operationAccess(this.moduleRef);
    return this.access.filter((entry) => ruleAllows(entry.rule, role)).map((entry) => entry.operation);
  }
}
