import { z } from 'zod';
import type { BlockSource, ContextBlock, Transform } from './context-block.js';
import { BLOCK_KINDS, defaultTrust, TRUST_LEVELS } from './context-block.js';
import { DIGEST_PATTERN as digestPattern } from './digest.js';
import { BLOCK_LIMITS as L } from './limits.js';
import { isWellFormed } from './well-formed.js';

// Metadata strings are signed as they are (RFC 8785 cannot encode a lone
// surrogate) and are not sanitized in place, so an unpaired surrogate is refused
// here, naming the field, rather than deep in signing. Content may hold one:
// sanitizing replaces it with U+FFFD before anything is signed.
const wellFormed = [
  isWellFormed,
  { message: 'contains a lone surrogate (an unpaired UTF-16 code unit)' },
] as const;
const shortText = z
  .string()
  .min(1)
  .max(1024)
  .refine(...wellFormed);

/**
 * Error of a size limit: names the limit (`BLOCK_LIMITS.<name>`) and the
 * offending size, so a caller can tell which bound it hit and by how much.
 */
const overLimit = (name: keyof typeof L) => ({
  error: (issue: { input?: unknown }): string => {
    const size =
      typeof issue.input === 'string' || Array.isArray(issue.input) ? issue.input.length : Number.NaN;
    return `is ${size} long; the limit is BLOCK_LIMITS.${name} = ${L[name]}`;
  },
});

const sourceShape = z.strictObject({
  type: shortText,
  name: shortText.exactOptional(),
  uri: z
    .string()
    .max(8192)
    .refine(...wellFormed)
    .exactOptional(),
  server: shortText.exactOptional(),
  tool: shortText.exactOptional(),
  callId: shortText.exactOptional(),
});

const rangeShape = z
  .strictObject({ start: z.int().nonnegative(), end: z.int().nonnegative() })
  .refine((r) => r.end >= r.start, { message: 'end must not be before start', path: ['end'] });

const transformShape = z.strictObject({
  kind: shortText,
  params: z.record(z.string(), z.unknown()).exactOptional(),
  ranges: z.array(rangeShape).max(10_000).exactOptional(),
});

const metaShape = z.record(z.string(), z.unknown()).superRefine((meta, ctx) => {
  let size: number;
  try {
    size = JSON.stringify(meta).length;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'meta must be JSON-serializable (no cycles, no BigInt)' });
    return;
  }
  if (size > L.maxMetaBytes) {
    ctx.addIssue({
      code: 'custom',
      message: `meta is ${size} chars as JSON; the limit is BLOCK_LIMITS.maxMetaBytes = ${L.maxMetaBytes}`,
    });
  }
});

const tokenCount = z.int().nonnegative().max(100_000_000);

const blockShape = z
  .strictObject({
    id: z
      .string()
      .min(1)
      .max(L.maxIdChars, overLimit('maxIdChars'))
      .refine(...wellFormed)
      .default(() => globalThis.crypto.randomUUID()),
    kind: z.enum(BLOCK_KINDS as [ContextBlock['kind'], ...ContextBlock['kind'][]]),
    trust: z.enum(TRUST_LEVELS as [ContextBlock['trust'], ...ContextBlock['trust'][]]).exactOptional(),
    content: z.string().max(L.maxContentChars, overLimit('maxContentChars')),
    source: sourceShape.exactOptional(),
    tenant: z
      .string()
      .min(1)
      .max(256)
      .refine(...wellFormed),
    labels: z
      .array(
        z
          .string()
          .min(1)
          .max(L.maxLabelChars, overLimit('maxLabelChars'))
          .refine(...wellFormed),
      )
      .max(L.maxLabelCount, overLimit('maxLabelCount'))
      .default(() => []),
    createdAt: z.iso.datetime({ offset: false }).default(() => new Date().toISOString()),
    digest: z
      .string()
      .regex(digestPattern, 'expected sha256: followed by 64 lowercase hex digits')
      .exactOptional(),
    parents: z
      .array(z.string().regex(digestPattern, 'expected a sha256: digest'))
      .max(L.maxParents, overLimit('maxParents'))
      .default(() => []),
    transforms: z
      .array(transformShape)
      .max(L.maxTransforms, overLimit('maxTransforms'))
      .default(() => []),
    priority: z.number().finite().default(0),
    pinned: z.boolean().default(false),
    minTokens: tokenCount.exactOptional(),
    maxTokens: tokenCount.exactOptional(),
    truncate: z.enum(['tail', 'head', 'middle', 'none']).default('tail'),
    group: shortText.exactOptional(),
    meta: metaShape.default(() => ({})),
  })
  .refine((b) => b.minTokens === undefined || b.maxTokens === undefined || b.minTokens <= b.maxTokens, {
    message: 'minTokens must not exceed maxTokens',
    path: ['minTokens'],
  });

/** Validates `source`; exported for adapters that build sources themselves. */
export const blockSourceSchema: z.ZodType<BlockSource> = sourceShape;
/** Validates one `Transform`. */
export const transformSchema: z.ZodType<Transform> = transformShape;

/**
 * The zod schema of a ContextBlock: validates, fills defaults, and derives
 * `trust` and `source` from the kind when they are absent.
 */
export const contextBlockSchema: z.ZodType<ContextBlock> = blockShape.transform(
  (b): ContextBlock => ({
    ...b,
    trust: b.trust ?? defaultTrust(b.kind),
    source: b.source ?? defaultSource(b.kind),
  }),
);

function defaultSource(kind: ContextBlock['kind']): BlockSource {
  if (kind === 'user') return { type: 'user' };
  if (defaultTrust(kind) === 'trusted') return { type: 'app' };
  return { type: 'unknown' };
}
