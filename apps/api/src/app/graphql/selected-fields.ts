import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';

/**
 * The names of the fields the operation selects at `path` below the field being resolved
 * (`[]`: its own selection; `['server']`: that of its `server` field), through fragments and
 * aliases. `@skip`/`@include` are not evaluated: a skipped field still counts, so the result is
 * never smaller than what the answer needs. Lets a resolver read only the columns asked for.
 */
export function selectedFields(info: GraphQLResolveInfo, path: readonly string[] = []): Set<string> {
  let sets = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const name of path) {
    sets = fieldsOf(info, sets).flatMap((field) =>
      field.name.value === name && field.selectionSet ? [field.selectionSet] : [],
    );
  }
  return new Set(fieldsOf(info, sets).map((field) => field.name.value));
}

function fieldsOf(info: GraphQLResolveInfo, sets: SelectionSetNode[]): FieldNode[] {
  return sets.flatMap((set) =>
    set.selections.flatMap((selection): FieldNode[] => {
      if (selection.kind === Kind.FIELD) return [selection];
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : info.fragments[selection.name.value];
      // Fragments nest as deep as the document does, and validation has refused cycles.
      return fragment ? fieldsOf(info, [fragment.selectionSet]) : [];
    }),
  );
}
