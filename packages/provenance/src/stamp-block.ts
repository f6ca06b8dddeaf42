import type { ContextBlock, Transform } from '@ctxpack/block';
import { digestContent } from './digest-content.js';

function cloneTransform(t: Transform): Transform {
  const copy: Transform = { kind: t.kind };
  if (t.params !== undefined) copy.params = structuredClone(t.params);
  if (t.ranges !== undefined) copy.ranges = t.ranges.map((r) => ({ start: r.start, end: r.end }));
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
    transforms: [cloneTransform(change.transform)],
    meta: { ...parent.meta },
  };
}
