/**
 * What a user or API token may do. Stored in the database and named in the GraphQL schema:
 * never rename a value.
 */
export enum Role {
  /** Everything, including users, settings and the audit log. */
  Admin = 'ADMIN',
  /** Servers, deployments and jobs. */
  Operator = 'OPERATOR',
  /** Read only. */
  Viewer = 'VIEWER',
}

const ROLE_RANK: Record<Role, number> = {
  [Role.Viewer]: 1,
  [Role.Operator]: 2,
  [Role.Admin]: 3,
};

/** Roles are ordered: a role may do everything the roles below it may do. */
export function roleSatisfies(actual: Role, required: Role): boolean {
  return ROLE_RANK[actual] >= ROLE_RANK[required];
}

/** The weaker of two roles (an API token never grants more than its owner has). */
export function weakerRole(a: Role, b: Role): Role {
  return ROLE_RANK[a] <= ROLE_RANK[b] ? a : b;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (Object.values(Role) as string[]).includes(value);
}
