import { toSkeleton } from '@ctxpack/escape';

// Near-duplicate tool names: a second server's `send_emai1` or `ѕend_email`
// (Cyrillic ѕ) next to `send_email` is how a poisoned server catches calls
// meant for another tool. Names are compared by their comparison key — the
// UTS #39 skeleton (case, compatibility forms, confusables) without
// separators (`-`, `_`, `.`, spaces) — and by edit distance 1 between keys.

/** Shortest key compared by edit distance: shorter names differ by one letter legitimately (`get`/`set`). */
const MIN_EDIT_KEY = 5;

function comparisonKey(name: string): string {
  return toSkeleton(name).replace(/[-_.\s]+/g, '');
}

function isLetter(c: string | undefined): boolean {
  return c !== undefined && c >= 'a' && c <= 'z';
}

/**
 * How two different keys are within one edit, or undefined. A letter for a
 * letter at the first position is a different verb (`get_user` / `set_user`),
 * not a lookalike.
 */
function oneEdit(a: string, b: string): string | undefined {
  if (a.length === b.length) {
    let at = -1;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      if (at >= 0) return undefined;
      at = i;
    }
    if (at < 0) return undefined;
    if (at === 0 && isLetter(a[0]) && isLetter(b[0])) return undefined;
    return `"${a[at]}" for "${b[at]}"`;
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  if (long.length - short.length !== 1) return undefined;
  let i = 0;
  while (i < short.length && short[i] === long[i]) i++;
  if (short.slice(i) !== long.slice(i + 1)) return undefined;
  return `one character "${long[i]}" added or removed`;
}

/** One name that another one imitates. */
export interface NameLookalike {
  /** Index into the list. */
  index: number;
  /** The name it looks like (in the list or a known tool). */
  other: string;
  how: string;
}

/** Keys within one deletion of `key` (and the key itself): keys within one edit share one (linear candidate search). */
function deletionVariants(key: string): string[] {
  const out = [key];
  if (key.length >= MIN_EDIT_KEY)
    for (let i = 0; i < key.length; i++) out.push(key.slice(0, i) + key.slice(i + 1));
  return out;
}

/**
 * Names of `names` that look like another name of `names` or of `known`
 * without being equal to it: the same key (case, separators, confusables) or
 * keys one edit apart. Exact duplicates are reported elsewhere.
 */
export function findLookalikeNames(names: readonly string[], known: readonly string[]): NameLookalike[] {
  const all = [...names, ...known];
  const keys = all.map(comparisonKey);
  const byVariant = new Map<string, number[]>();
  keys.forEach((key, i) => {
    for (const v of deletionVariants(key)) {
      const list = byVariant.get(v);
      if (list === undefined) byVariant.set(v, [i]);
      else if (list.length < 64) list.push(i);
    }
  });
  const out: NameLookalike[] = [];
  for (let i = 0; i < names.length; i++) {
    const hit = lookalikeOf(i, all, keys, byVariant);
    if (hit !== undefined) out.push(hit);
  }
  return out;
}

function lookalikeOf(
  i: number,
  all: readonly string[],
  keys: readonly string[],
  byVariant: ReadonlyMap<string, readonly number[]>,
): NameLookalike | undefined {
  const key = keys[i]!;
  for (const v of deletionVariants(key)) {
    for (const j of byVariant.get(v) ?? []) {
      if (j === i || all[j] === all[i]) continue;
      if (keys[j] === key)
        return {
          index: i,
          other: all[j]!,
          how: 'the same letters once case, separators and lookalike characters are folded',
        };
      const how = oneEdit(key, keys[j]!);
      if (how !== undefined) return { index: i, other: all[j]!, how: `one edit apart (${how})` };
    }
  }
  return undefined;
}
