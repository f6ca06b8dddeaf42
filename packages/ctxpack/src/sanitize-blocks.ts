import type { BlockSource, ContextBlock } from '@ctxpack/block';
import { InvalidArgumentError } from '@ctxpack/block';
import { assertArray } from '@ctxpack/block/kernel';
import type { Finding, SanitizeResult } from '@ctxpack/escape';
import { SPECIAL_TOKENS, sanitize, scan } from '@ctxpack/escape';
import { deriveBlock, digestContentAsync } from '@ctxpack/provenance';
import type { BlockFinding } from './payload.js';

/** The source fields that reach a request: tool names, call ids, the data boundary's `source` attribute. */
const SOURCE_FIELDS = ['type', 'name', 'uri', 'server', 'tool', 'callId'] as const;

/** Blocks hashed concurrently when stamping. */
const DIGEST_BATCH = 16;

/** At most this many tokens in `allowTokens`: it names exceptions, not a second registry. */
export const MAX_ALLOWED_TOKENS = 64;

const REGISTERED: ReadonlySet<string> = new Set(SPECIAL_TOKENS.map((t) => t.token));

/**
 * Checks `allowTokens`: registered special tokens (exactly as `SPECIAL_TOKENS`
 * spells them) that trusted text may send as written. Anything else is an
 * `InvalidArgumentError` naming the entry, so a typo cannot silently allow
 * nothing and a lookalike cannot be allowed at all.
 */
export function checkAllowTokens(value: unknown): ReadonlySet<string> {
  if (value === undefined) return new Set();
  assertArray(value, 'options.allowTokens');
  if (value.length > MAX_ALLOWED_TOKENS) {
    throw new InvalidArgumentError({
      path: 'options.allowTokens',
      expected: `at most ${MAX_ALLOWED_TOKENS} tokens`,
      value,
    });
  }
  value.forEach((token, i) => {
    if (typeof token !== 'string' || !REGISTERED.has(token)) {
      throw new InvalidArgumentError({
        path: `options.allowTokens[${i}]`,
        expected: 'a registered special token, as SPECIAL_TOKENS spells it (e.g. "<|endoftext|>")',
        value: token,
      });
    }
  });
  return new Set(value as string[]);
}

/** What sanitizing the blocks produced. */
export interface SanitizedBlocks {
  /** Sanitized content, the caller's source: what is signed (a producer's signature covers the source as given). */
  blocks: ContextBlock[];
  /** The same blocks with sanitized source fields: what is planned and rendered. */
  rendered: ContextBlock[];
  findings: Map<string, BlockFinding[]>;
}

/**
 * Sanitizes each block by its trust; a changed block becomes a child (same id)
 * with a `sanitize` transform. Source fields are sanitized by the same trust
 * for rendering (call ids always as untrusted text, so a call and its result,
 * whatever their trust, keep one id); their findings carry `field`.
 */
export async function sanitizeBlocks(
  source: readonly ContextBlock[],
  allowTokens: ReadonlySet<string> = new Set(),
): Promise<SanitizedBlocks> {
  const findings = new Map<string, BlockFinding[]>();
  const blocks: ContextBlock[] = [];
  const rendered: ContextBlock[] = [];
  // Stamped with the runtime's native SHA-256 where it has one (the blocks were checked by the planner),
  // a batch at a time: each call holds its block's UTF-8 bytes until it resolves.
  const digests: string[] = [];
  for (let i = 0; i < source.length; i += DIGEST_BATCH) {
    const batch = source.slice(i, i + DIGEST_BATCH).map((b) => digestContentAsync(b.content));
    for (const d of await Promise.all(batch)) digests.push(d);
  }
  for (const [i, original] of source.entries()) {
    const block: ContextBlock = { ...original, digest: digests[i] as string };
    const result =
      block.kind === 'tool-call'
        ? sanitizeArguments(block.content, block.trust)
        : sanitizeText(block.content, block.trust, allowTokens);
    const found: BlockFinding[] = result.findings;
    const sanitized = result.changed
      ? derive(block, result.text, {
          kind: 'sanitize',
          params: { findings: result.findings.length },
          ranges: result.findings.map(({ start, end }) => ({ start, end })),
        })
      : block;
    const clean = sanitizeSource(block.source, block.trust, found);
    findings.set(block.id, found);
    blocks.push(sanitized);
    rendered.push(clean === block.source ? sanitized : { ...sanitized, source: clean });
  }
  return { blocks, rendered, findings };
}

/** A derived block under its parent's id: one block, one identity, its lineage in `parents`/`transforms`. */
export function derive(
  block: ContextBlock,
  content: string,
  transform: ContextBlock['transforms'][number],
): ContextBlock {
  return { ...deriveBlock(block, { content, transform }), id: block.id };
}

type Cleaned = Pick<SanitizeResult, 'text' | 'changed' | 'findings'>;

/**
 * Sanitizes text by the trust of its origin. Trusted text is otherwise left
 * as written, but no registered special token reaches the model from any
 * origin: a `<|im_start|>` in the application's own text is neutralized too,
 * unless the caller listed it in `allowTokens` (trusted text only).
 */
export function sanitizeText(
  text: string,
  trust: ContextBlock['trust'],
  allowTokens: ReadonlySet<string> = new Set(),
): Cleaned {
  if (trust !== 'trusted') return sanitize(text, { trust });
  if (allowTokens.size === 0) return neutralizeTrusted(text);
  return sanitizeAllowing(text, allowTokens);
}

function neutralizeTrusted(text: string): SanitizeResult {
  return sanitize(text, { trust: 'trusted', actions: { specialTokens: 'neutralize' } });
}

/**
 * Trusted text with allowed tokens: the text between occurrences of allowed
 * tokens is sanitized as usual and the allowed tokens kept as written. The
 * joined result is scanned again; if any special token in it is not exactly
 * an allowed occurrence (one formed across a join), the whole text is
 * neutralized instead: the exception never widens.
 */
function sanitizeAllowing(text: string, allowTokens: ReadonlySet<string>): Cleaned {
  const kept = findAllowed(text, allowTokens);
  if (kept.length === 0) return neutralizeTrusted(text);
  const found: Finding[] = [];
  const parts: string[] = [];
  const allowedAt = new Set<number>();
  let changed = false;
  let from = 0;
  let outLength = 0;
  const cleanSegment = (end: number) => {
    if (end === from) return;
    const r = neutralizeTrusted(text.slice(from, end));
    for (const f of r.findings) found.push({ ...f, start: f.start + from, end: f.end + from });
    if (r.changed) changed = true;
    parts.push(r.text);
    outLength += r.text.length;
  };
  for (const { start, end } of kept) {
    cleanSegment(start);
    allowedAt.add(outLength);
    parts.push(text.slice(start, end));
    outLength += end - start;
    from = end;
  }
  cleanSegment(text.length);
  const out = parts.join('');
  const again = scan(out, { detect: { specialTokens: true } });
  for (const f of again.findings) {
    if (
      f.kind === 'special-token' &&
      !(allowedAt.has(f.start) && allowTokens.has(out.slice(f.start, f.end)))
    ) {
      return neutralizeTrusted(text);
    }
  }
  return { text: out, changed, findings: found };
}

/** Non-overlapping occurrences of allowed tokens, leftmost first, longest at a position. */
function findAllowed(text: string, allowTokens: ReadonlySet<string>): { start: number; end: number }[] {
  const hits: { start: number; end: number }[] = [];
  for (const token of allowTokens) {
    for (let at = text.indexOf(token); at !== -1; at = text.indexOf(token, at + token.length)) {
      hits.push({ start: at, end: at + token.length });
    }
  }
  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: { start: number; end: number }[] = [];
  let reach = 0;
  for (const h of hits) {
    if (h.start < reach) continue;
    out.push(h);
    reach = h.end;
  }
  return out;
}

// C0/C1 controls and line/paragraph separators: a source field is one line
// (a text-target header, an attribute, a JSON `name`), so each becomes a space.
const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * The source as rendered: each field sanitized by the block's trust (a call
 * id as untrusted text) and flattened to one line. Returns `source` itself
 * when nothing changed. Findings are appended to `found` with their field.
 */
function sanitizeSource(
  source: BlockSource,
  trust: ContextBlock['trust'],
  found: BlockFinding[],
): BlockSource {
  let out: BlockSource | undefined;
  for (const field of SOURCE_FIELDS) {
    const value = source[field];
    if (value === undefined) continue;
    const r = sanitizeField(value, field === 'callId' ? 'untrusted' : trust);
    for (const f of r.findings) found.push({ ...f, field: `source.${field}` });
    const text = r.text.replace(LINE_BREAKING, ' ');
    if (text === value) continue;
    out ??= { ...source };
    out[field] = text;
  }
  return out ?? source;
}

// The same few types, servers and tool names recur in every block and every
// request of an agent loop; sanitize is deterministic, so results are kept.
const FIELD_CACHE_SIZE = 1024;
const fieldCache = new Map<string, Cleaned>();

function sanitizeField(value: string, trust: ContextBlock['trust']): Cleaned {
  const key = `${trust}\u0000${value}`;
  let r = fieldCache.get(key);
  if (r === undefined) {
    r = sanitizeText(value, trust);
    if (fieldCache.size >= FIELD_CACHE_SIZE) fieldCache.clear();
    fieldCache.set(key, r);
  }
  return r;
}

/**
 * Tool-call arguments are JSON: every key and string value is sanitized on its
 * own and the object re-serialized, so the arguments stay valid JSON (a text
 * sanitize could split an escape sequence). Non-JSON arguments are sanitized
 * as text. Findings' offsets are within the string they were found in.
 */
function sanitizeArguments(content: string, trust: ContextBlock['trust']): Cleaned {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return sanitizeText(content, trust);
  }
  const found: Finding[] = [];
  let changed = false;
  const clean = (text: string): string => {
    const r = sanitizeText(text, trust);
    for (const f of r.findings) found.push(f);
    if (r.changed) changed = true;
    return r.text;
  };
  // Iterative: argument depth is bounded by the block size, not by the call stack.
  const root: { value: unknown } = { value: parsed };
  const stack: [Record<string, unknown> | unknown[], string | number][] = [
    [root as Record<string, unknown>, 'value'],
  ];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [holder, key] = top;
    const value = (holder as Record<string | number, unknown>)[key];
    if (typeof value === 'string') (holder as Record<string | number, unknown>)[key] = clean(value);
    else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) stack.push([value, i]);
    else if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value))
        Object.defineProperty(out, clean(k), {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      (holder as Record<string | number, unknown>)[key] = out;
      for (const k of Object.keys(out)) stack.push([out, k]);
    }
  }
  return { text: changed ? JSON.stringify(root.value) : content, changed, findings: found };
}
