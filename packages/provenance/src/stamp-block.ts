import type { ContextBlock, Transform } from '@ctxpack/block';
import { assertBlockLike, invalidArgument, isObject } from './assert-input.js';
import { canonicalizeJson } from './canonicalize-json.js';
import { digestContent } from './digest-content.js';

function cloneTransform(t: Transform): Transform {
  const copy: Transform = { kind: t.kind };
  // A copy through canonical JSON: depth-limited, and refuses what is not JSON data.
  if (t.params !== undefined) copy.params = JSON.parse(canonicalizeJson(t.params)) as Record<string, unknown>;
  if (t.ranges !== undefined) {
    if (!Array.isArray(t.ranges)) invalidArgument('change.transform.ranges', 'an array', t.ranges);
    copy.ranges = t.ranges.map((r: unknown, i) => {
      if (!isObject(r) || !Number.isSafeInteger(r['start']) || !Number.isSafeInteger(r['end'])) {
        invalidArgument(`change.transform.ranges[${i}]`, '{ start, end } integers', r);
      }
      return { start: r['start'] as number, end: r['end'] as number };
    });
  }
  return copy;
}

/**
 * Returns a copy of `block` whose `digest` is the SHA-256 of its current
 * content. The input is not modified.
 *
 * @example
 * stampBlock(createBlock({ kind: 'user', tenant: 'acme', content: 'hi' })).digest; // 'sha256:8f43…'
 */
export function stampBlock(block: ContextBlock): ContextBlock {
  assertBlockLike(block, 'block');
  return { ...block, digest: digestContent(block.content) };
}

/**
 * Derives a block from `parent` by a transform (sanitize, truncate, redact…):
 * a new id and createdAt, the same kind, trust, tenant, source and labels,
 * `parents` = [the parent's digest] and `transforms` = [the transform], and a
 * fresh digest of the new content. The parent's digest is computed when it has
 * none, so lineage always points at the exact bytes it came from.
 *
 * @example
 * const clean = deriveBlock(raw, { content: sanitized.text, transform: { kind: 'sanitize', ranges } });
 * clean.parents; // [raw's digest]
 */
export function deriveBlock(
  parent: ContextBlock,
  change: { content: string; transform: Transform },
): ContextBlock {
  assertBlockLike(parent, 'parent');
  if (!isObject(change)) invalidArgument('change', '{ content, transform }', change);
  if (typeof change.content !== 'string') invalidArgument('change.content', 'a string', change.content);
  if (!isObject(change.transform) || typeof change.transform['kind'] !== 'string') {
    invalidArgument('change.transform', 'a transform with a string kind', change.transform);
  }
  const transform = cloneTransform(change.transform as unknown as Transform);
  const parentDigest = parent.digest ?? digestContent(parent.content);
  return {
    ...parent,
    id: globalThis.crypto.randomUUID(),
    content: change.content,
    source: { ...parent.source },
    labels: [...parent.labels],
    createdAt: new Date().toISOString(),
    digest: digestContent(change.content),
    parents: [parentDigest],
    transforms: [transform],
    meta: { ...parent.meta },
  };
}
