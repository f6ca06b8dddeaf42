// The merge is internal and has no public entry point that takes a vocabulary,
// so this test imports its module directly: a synthetic vocabulary is the only
// way to reach the interruption and heap-fallback paths, which the shipped
// encodings never take on measured text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MergeTables, mergeLargeWithHeap, mergePiece, PairMemo } from '../src/byte-pair-merge.js';

/** tiktoken's definition, quadratic: merge the lowest-ranked adjacent pair, leftmost on ties. */
function referenceMerge(piece: string, ranks: Map<string, number>): number[] {
  const parts = [...piece];
  for (;;) {
    let best = -1;
    let at = -1;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = ranks.get((parts[i] as string) + (parts[i + 1] as string));
      if (r !== undefined && (best < 0 || r < best)) {
        best = r;
        at = i;
      }
    }
    if (at < 0) break;
    parts.splice(at, 2, (parts[at] as string) + (parts[at + 1] as string));
  }
  return parts.map((p) => ranks.get(p) as number);
}

/**
 * A vocabulary over 'abc' whose ranks ignore the order of construction: a
 * longer token often outranks its parts, so merges create pairs ranked below
 * the rank being drained (the bucket merge's interruptions).
 */
function tables(tokens: readonly string[]): MergeTables {
  const all = ['a', 'b', 'c', ...tokens.filter((t) => t.length > 1)];
  const unique = [...new Set(all)];
  const ranks = new Map(unique.map((t, i) => [t, i] as const));
  return {
    ranks,
    tokens: unique,
    maxTokenBytes: Math.max(...unique.map((t) => t.length)),
    pairs: new PairMemo(),
  };
}

const token = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), minLength: 2, maxLength: 6 });
const piece = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom('a', 'b', 'c'), minLength: min, maxLength: max });

describe('byte-pair merge of long pieces', () => {
  it('the bucket merge equals the reference on vocabularies with rank inversions', () => {
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 40 }), piece(129, 700), (tokens, text) => {
        const t = tables(tokens);
        const out: number[] = [];
        mergePiece(text, t, out);
        expect(out).toEqual(referenceMerge(text, t.ranks));
      }),
      { numRuns: 150 },
    );
  });

  it('hands over to the heap merge after many interruptions, with the same result', () => {
    // Draining 'ab' (rank 4) joins a and b next to a c, making the pair ab+c = 'abc' (rank 3) each time:
    // one interruption per period, so 1,500 periods pass the bound of 1,024 and finish on the heap.
    const t: MergeTables = {
      ranks: new Map([
        ['a', 0],
        ['b', 1],
        ['c', 2],
        ['abc', 3],
        ['ab', 4],
        ['abcabc', 5],
      ]),
      tokens: ['a', 'b', 'c', 'abc', 'ab', 'abcabc'],
      maxTokenBytes: 6,
      pairs: new PairMemo(),
    };
    for (const periods of [100, 1_500]) {
      const text = 'abc'.repeat(periods);
      const out: number[] = [];
      mergePiece(text, t, out);
      expect(out).toEqual(referenceMerge(text, t.ranks));
      const heap: number[] = [];
      mergeLargeWithHeap(text, t, heap);
      expect(out).toEqual(heap);
    }
  });
});
