/** A list with `item` in place of the entry with its id, or added at the end (live list updates). */
export function upsertById<T extends { readonly id: string }>(list: readonly T[], item: T): T[] {
  const index = list.findIndex((entry) => entry.id === item.id);
  return index === -1 ? [...list, item] : list.map((entry, i) => (i === index ? item : entry));
}
