import { upsertById } from './upsert';

describe('upsertById', () => {
  it('replaces the entry with the same id in place, and adds a new one at the end', () => {
    const list = [
      { id: 'a', v: 1 },
      { id: 'b', v: 1 },
    ];
    expect(upsertById(list, { id: 'a', v: 2 })).toEqual([
      { id: 'a', v: 2 },
      { id: 'b', v: 1 },
    ]);
    expect(upsertById(list, { id: 'c', v: 1 }).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(list[0].v).toBe(1);
  });
});
