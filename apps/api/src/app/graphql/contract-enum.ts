/**
 * A GraphQL enum whose value names are the stored strings (`QUEUED`, `ONLINE`…, as the public
 * contract names them), not the TypeScript member names (`Queued`…). The values are unchanged,
 * so resolvers return domain values as they are.
 */
export const contractEnum = <E extends Record<string, string>>(values: E) =>
  Object.fromEntries(Object.values(values).map((value) => [value, value])) as { [K in E[keyof E]]: K };
