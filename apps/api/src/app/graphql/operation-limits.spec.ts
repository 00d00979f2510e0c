import { buildSchema, parse, validate } from 'graphql';
import { LIMIT_VALIDATION_RULES, OPERATION_LIMITS } from './operation-limits';

const schema = buildSchema(`
  type Node { name: String, child: Node }
  type Query { root: Node }
`);
const messages = (query: string) =>
  validate(schema, parse(query), [...LIMIT_VALIDATION_RULES]).map((error) => error.message);
const nested = (depth: number) => `${'child { '.repeat(depth - 1)}name${' }'.repeat(depth - 1)}`;

describe('operation limits (validation rules)', () => {
  it('allows maxDepth levels and refuses one more, also through fragments', () => {
    expect(messages(`{ root { ${nested(OPERATION_LIMITS.maxDepth - 1)} } }`)).toEqual([]);
    expect(messages(`{ root { ${nested(OPERATION_LIMITS.maxDepth)} } }`)).toEqual([
      'The operation nests 13 levels deep (limit maxDepth = 12)',
    ]);
    const viaFragment = `{ root { ...deep } } fragment deep on Node { ${nested(OPERATION_LIMITS.maxDepth)} }`;
    expect(messages(viaFragment)).toEqual(['The operation nests 13 levels deep (limit maxDepth = 12)']);
  });

  it('does not count introspection fields towards the depth', () => {
    const typeRef = `${'ofType { '.repeat(15)}name${' }'.repeat(15)}`;
    expect(messages(`{ __schema { types { fields { type { ${typeRef} } } } } }`)).toEqual([]);
  });

  it('counts aliases in the operation and in the fragments it uses', () => {
    const aliases = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}: name`).join(' ');
    expect(messages(`{ root { ${aliases(20, 'a')} } }`)).toEqual([]);
    expect(messages(`{ root { ${aliases(15, 'a')} ...more } } fragment more on Node { ${aliases(6, 'b')} }`)).toEqual([
      'The operation has 21 aliased fields (limit maxAliases = 20)',
    ]);
  });
});
