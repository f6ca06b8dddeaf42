import type { ContextBlock, Transform } from '@ctxpack/block';
import { BLOCK_LIMITS } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';
import { assertBlockLike, invalidArgument } from './assert-input.js';
import { canonicalizeJson } from './canonicalize-json.js';
import { digestContent } from './digest-content.js';

function cloneTransform(t: Transform, path = 'change.transform'): Transform {
  const copy: Transform = { kind: t.kind };
  // A copy through canonical JSON: depth-limited, and refuses what is not JSON data.
  if (t.params !== undefined) copy.params = JSON.parse(canonicalizeJson(t.params)) as Record<string, unknown>;
  if (t.ranges !== undefined) {
    if (!Array.isArray(t.ranges)) invalidArgument(`${path}.ranges`, 'an array', t.ranges);
    copy.ranges = t.ranges.map((r: unknown, i) => {
      if (!isRecord(r) || !Number.isSafeInteger(r['start']) || !Number.isSafeInteger(r['end'])) {
        invalidArgument(`${path}.ranges[${i}]`, '{ start, end } integers', r);
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
 * the same id, kind, trust, tenant, source, labels and meta, a new createdAt
 * and content with a fresh digest, and the full lineage: `parents` is the
 * parent's `parents` plus the parent's digest (oldest first, so a producer
 * signature over the original stays checkable after any chain of
 * transforms), and `transforms` the parent's plus this one, in the order
 * applied (`transforms[i]` turned `parents[i]` into the next version). The
 * parent's digest is computed when it has none, so lineage always points at
 * the exact bytes it came from.
 *
 * @throws {InvalidArgumentError} `invalid_argument` for a bad change, or a lineage over
 * BLOCK_LIMITS.maxParents / maxTransforms.
 * @example
 * const clean = deriveBlock(raw, { content: sanitized.text, transform: { kind: 'sanitize', ranges } });
 * clean.parents; // [raw's digest]
 */
export function deriveBlock(
  parent: ContextBlock,
  change: { content: string; transform: Transform },
): ContextBlock {
  assertBlockLike(parent, 'parent');
  if (!isRecord(change)) invalidArgument('change', '{ content, transform }', change);
  if (typeof change.content !== 'string') invalidArgument('change.content', 'a string', change.content);
  if (!isRecord(change.transform) || typeof change.transform['kind'] !== 'string') {
    invalidArgument('change.transform', 'a transform with a string kind', change.transform);
  }
  if (parent.parents.length >= BLOCK_LIMITS.maxParents) {
    invalidArgument(
      'parent.parents',
      `a lineage of fewer than ${BLOCK_LIMITS.maxParents} ancestors`,
      parent.parents,
    );
  }
  if (parent.transforms.length >= BLOCK_LIMITS.maxTransforms) {
    invalidArgument(
      'parent.transforms',
      `fewer than ${BLOCK_LIMITS.maxTransforms} transforms`,
      parent.transforms,
    );
  }
  const transform = cloneTransform(change.transform as unknown as Transform);
  const parentDigest = parent.digest ?? digestContent(parent.content);
  const parents: string[] = [];
  parent.parents.forEach((p, i) => {
    if (typeof p !== 'string') invalidArgument(`parent.parents[${i}]`, 'a sha256: digest', p);
    parents.push(p);
  });
  parents.push(parentDigest);
  const transforms: Transform[] = [];
  parent.transforms.forEach((t, i) => {
    if (!isRecord(t) || typeof t['kind'] !== 'string') {
      invalidArgument(`parent.transforms[${i}]`, 'a transform with a string kind', t);
    }
    transforms.push(cloneTransform(t, `parent.transforms[${i}]`));
  });
  transforms.push(transform);
  return {
    ...parent,
    content: change.content,
    source: { ...parent.source },
    labels: [...parent.labels],
    createdAt: new Date().toISOString(),
    digest: digestContent(change.content),
    parents,
    transforms,
    meta: { ...parent.meta },
  };
}
