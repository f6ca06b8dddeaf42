import type { BlockSource, ContextBlock } from '@ctxpack/block';
import type { BudgetReport } from '@ctxpack/budget';
import type { Finding } from '@ctxpack/escape';
import type { PAYLOAD_SCHEMA, RequestFor, SourceMapEntry, Target } from '@ctxpack/serialize';
import type { Envelope, Leaf, Manifest } from '@ctxpack/sign';

/**
 * A finding in a block's content, or, with `field`, in one of its source
 * fields (offsets are then within that field's value).
 */
export interface BlockFinding extends Finding {
  field?: `source.${keyof BlockSource}`;
}

/** What happened to one block during assembly. */
export interface BlockReport {
  id: string;
  kind: ContextBlock['kind'];
  trust: ContextBlock['trust'];
  source: string;
  status: 'kept' | 'truncated' | 'dropped';
  reason?: string;
  tokensBefore: number;
  /** `tokensBefore` is a lower bound: the block was dropped or cut before it was fully counted. */
  countedPartially?: boolean;
  tokensAfter: number;
  findings: BlockFinding[];
  /** Digest of the content as sent (after sanitizing and truncating). */
  digest: string;
  /** Digests of the blocks it was derived from, oldest first. */
  parents: string[];
  transforms: string[];
}

export interface AssemblyReport<T extends Target = Target> {
  target: T;
  tenant: string;
  audience: string;
  /** Tokens of the rendered request, framing included, counted once. */
  requestTokens: number;
  /** `maxTokens − reserveOutput`. */
  budget: number;
  blocks: BlockReport[];
  budgetReport: BudgetReport;
}

/**
 * The output of `assemble`: send `request`, ship `envelope` and `leaves`
 * beside it. `request` has the wire type of the target, so it spreads into
 * the SDK call without a cast.
 *
 * @example
 * const payload: Payload<'anthropic'> = await ctx.assemble({ target: 'anthropic', maxTokens: 8000 });
 * await anthropic.messages.create({ model, max_tokens: 1024, ...payload.request });
 */
export interface Payload<T extends Target = Target> {
  /** Format version; `parsePayload` refuses any other. */
  schema: typeof PAYLOAD_SCHEMA;
  /** `sha256:` of the payload JSON Schema this build writes (PAYLOAD_SCHEMA_HASH). */
  schemaHash: string;
  target: T;
  /** The provider request body: `{ messages }` for openai-chat, `{ system?, messages }` for anthropic, `{ prompt }` for text, … */
  request: RequestFor<T>;
  /** Per rendered message: the caller's block ids and the character ranges of their content. */
  sourceMap: SourceMapEntry[];
  /** DSSE envelope over the manifest. */
  envelope: Envelope;
  /** Block headers (Merkle leaves) of the kept blocks, in request order. */
  leaves: Leaf[];
  manifest: Manifest;
  report: AssemblyReport<T>;
}
