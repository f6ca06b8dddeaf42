import type { ContextBlock } from '@ctxpack/block';
import type { FitItem, FitItemResult } from '@ctxpack/budget';
import { fit, loadTokenizer } from '@ctxpack/budget';
import type { Finding } from '@ctxpack/escape';
import { sanitize } from '@ctxpack/escape';
import { deriveBlock, digestRequest, stampBlock } from '@ctxpack/provenance';
import type { AnthropicOptions, SerializePolicy, SpotlightOption, Target } from '@ctxpack/serialize';
import {
  applySpotlight,
  checkBlocks,
  countRequestTokens,
  createNonce,
  createSeededRandom,
  describeSource,
  estimateBaseTokens,
  estimateBlockOverhead,
  isDataBlock,
  PAYLOAD_SCHEMA,
  PAYLOAD_SCHEMA_HASH,
  render,
  resolvePolicy,
  resolveSpotlight,
} from '@ctxpack/serialize';
import type { Signer } from '@ctxpack/sign';
import { createLeafAsync, signManifest } from '@ctxpack/sign';
import type { BlockReport, Payload } from './payload.js';

export interface AssembleOptions {
  target: Target;
  /** Context window budget for the whole request, framing included. */
  maxTokens: number;
  /** Tokens kept free for the model's reply. */
  reserveOutput?: number;
  /** Lifetime of the signed payload; default 300 s. */
  ttlSeconds?: number;
  /** Who the payload is for (a gateway, a model API); default: the target name. */
  audience?: string;
  /** Clock, for tests. */
  now?: Date;
  /** Makes the boundary nonce, and so the request bytes, deterministic (prompt caching). */
  seed?: string | Uint8Array;
  /** Spotlighting of data blocks: `delimit` (default), `datamark`, `encode`, or per trust / block id. */
  spotlight?: SpotlightOption;
  /** Serialization policy (roles, labels per audience, limits); overrides the context's. */
  policy?: SerializePolicy;
  /** Messages API prompt-caching breakpoints (block ids), for the `anthropic` target. */
  anthropic?: AnthropicOptions;
}

interface InternalOptions extends AssembleOptions {
  tenant: string;
  signers: readonly Signer[];
  encoding: 'o200k_base' | 'cl100k_base';
}

/**
 * The pipeline: sanitize → digest and lineage → nonce → fit → render → sign.
 * Each step derives new blocks instead of editing old ones, so every change
 * is on record as a transform with its parent's digest.
 */
export async function assembleBlocks(
  source: readonly ContextBlock[],
  options: InternalOptions,
): Promise<Payload> {
  const { target, tenant } = options;
  const audience = options.audience ?? target;
  const tokenizer = await loadTokenizer(options.encoding);
  const findings = new Map<string, Finding[]>();
  // Tenant, labels for the audience and size limits are refused before any work.
  checkBlocks(source, { tenant, audience, policy: resolvePolicy(options.policy) });
  const renderOptions = {
    target,
    tenant,
    audience,
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(options.spotlight === undefined ? {} : { spotlight: options.spotlight }),
    ...(options.anthropic === undefined ? {} : { anthropic: options.anthropic }),
  };

  // 1. Sanitize by trust; a changed block becomes a child with a `sanitize` transform.
  const sanitized = source.map((original) => {
    const block = stampBlock(original);
    const result = sanitize(block.content, { trust: block.trust });
    findings.set(block.id, result.findings);
    if (!result.changed) return block;
    return deriveBlock(block, {
      content: result.text,
      transform: {
        kind: 'sanitize',
        params: { findings: result.findings.length },
        ranges: result.findings.map(({ start, end }) => ({ start, end })),
      },
    });
  });
  const idOf = new Map(sanitized.map((b, i) => [b.id, source[i]?.id ?? b.id]));

  // 2. Budget. Framing per message and per request is counted here, and the
  //    final rendered request is measured once by `fit`.
  const nonce = createNonce(
    sanitized.map((b) => b.content),
    ...(options.seed === undefined ? [] : [createSeededRandom(options.seed)]),
  );
  const byId = new Map(sanitized.map((b) => [b.id, b]));
  // Serialize sees the caller's block ids, so policy errors, spotlight and
  // cache options and the source map all speak of the blocks the caller added.
  const asCaller = (b: ContextBlock, id: string): ContextBlock => ({ ...b, id: idOf.get(id) ?? id });
  const withText = (results: readonly FitItemResult[]): ContextBlock[] =>
    results.map((r) => ({ ...asCaller(byId.get(r.id) as ContextBlock, r.id), content: r.text }));
  const overhead = {
    target,
    nonce,
    counter: tokenizer,
    ...(options.spotlight === undefined ? {} : { spotlight: options.spotlight }),
  };
  // Datamarked or encoded data is counted by `fit` as it is sent (its
  // spotlighted text), so a long block is cut to fit instead of dropped.
  const callerBlocks = sanitized.map((b) => asCaller(b, b.id));
  const items: FitItem[] = sanitized.map((b, i) => {
    const block = callerBlocks[i] as ContextBlock;
    const mode = isDataBlock(block) ? resolveSpotlight(block, options.spotlight) : 'delimit';
    const item = toFitItem(
      b,
      estimateBlockOverhead(block, { ...overhead, includeSpotlightCost: mode === 'delimit' }),
    );
    if (mode === 'delimit') return item;
    return {
      ...item,
      render: (text: string) => applySpotlight(text, mode),
      ...(item.cacheKey === undefined ? {} : { cacheKey: `${item.cacheKey}:${mode}` }),
    };
  });
  // The last request `fit` measured is, almost always, the one we send: keep
  // it instead of rendering (and holding) a second copy of a large context.
  let lastMeasured: { blocks: ContextBlock[]; rendered: ReturnType<typeof render> } | undefined;
  const fitted = fit(items, {
    tokenizer,
    maxTokens: options.maxTokens,
    ...(options.reserveOutput === undefined ? {} : { reserveOutput: options.reserveOutput }),
    baseTokens: estimateBaseTokens(callerBlocks, overhead),
    measure: (kept) => {
      const blocks = withText(kept);
      const rendered = render(blocks, { ...renderOptions, nonce });
      lastMeasured = { blocks, rendered };
      return countRequestTokens(rendered.request, target, tokenizer);
    },
  });

  // 3. Truncated blocks become children with a `truncate` transform.
  const kept: ContextBlock[] = [];
  const keptAsCaller: ContextBlock[] = [];
  const reports: BlockReport[] = [];
  for (const r of fitted.items) {
    const block = byId.get(r.id) as ContextBlock;
    const callerId = idOf.get(r.id) ?? r.id;
    let final = block;
    if (r.status === 'truncated') {
      final = deriveBlock(block, {
        content: r.text,
        transform: {
          kind: 'truncate',
          params: { strategy: block.truncate, tokensBefore: r.tokensBefore, tokensAfter: r.tokensAfter },
          ...(r.removed === undefined ? {} : { ranges: r.removed }),
        },
      });
    }
    if (r.status !== 'dropped') {
      kept.push(final);
      keptAsCaller.push({ ...final, id: callerId });
    }
    reports.push({
      id: callerId,
      kind: block.kind,
      trust: block.trust,
      source: describeSource(block),
      status: r.status,
      ...(r.reason === undefined ? {} : { reason: r.reason }),
      tokensBefore: r.tokensBefore,
      ...(r.countedPartially ? { countedPartially: true } : {}),
      tokensAfter: r.tokensAfter,
      findings: findings.get(callerId) ?? [],
      digest: final.digest as string,
      parents: final.parents,
      transforms: final.transforms.map((t) => t.kind),
    });
  }

  // 4. Render once, bind the request digest and the block headers, sign once.
  const rendered =
    lastMeasured !== undefined && sameBlocks(lastMeasured.blocks, keptAsCaller)
      ? lastMeasured.rendered
      : render(keptAsCaller, { ...renderOptions, nonce });
  // Native SHA-256 (WebCrypto) where the runtime has it: same digests, faster on large blocks.
  const leaves = await Promise.all(kept.map((b) => createLeafAsync(b)));
  const { envelope, manifest } = await signManifest(
    {
      tenant,
      audience,
      leaves,
      // Streamed (noble): memory stays near the largest string, not the whole request.
      requestDigest: digestRequest(rendered.request),
      schema: PAYLOAD_SCHEMA,
      schemaHash: PAYLOAD_SCHEMA_HASH,
      ttlSeconds: options.ttlSeconds ?? 300,
      ...(options.now === undefined ? {} : { now: options.now }),
    },
    options.signers,
  );
  return {
    schema: PAYLOAD_SCHEMA,
    schemaHash: PAYLOAD_SCHEMA_HASH,
    target,
    request: rendered.request,
    sourceMap: rendered.sourceMap,
    envelope,
    leaves,
    manifest,
    report: {
      target,
      tenant,
      audience,
      // `fit` measured exactly this request (same blocks, same text, same
      // nonce); counting 10 MB twice would double the cost for nothing.
      requestTokens: fitted.report.measured
        ? fitted.report.used
        : countRequestTokens(rendered.request, target, tokenizer),
      budget: options.maxTokens - (options.reserveOutput ?? 0),
      blocks: reports,
      budgetReport: fitted.report,
    },
  };
}

function toFitItem(block: ContextBlock, overheadTokens: number): FitItem {
  // Message framing, the role, ids, the boundary wrapper and spotlighting,
  // estimated per target by serialize; the final measure is exact.
  return {
    id: block.id,
    text: block.content,
    priority: block.priority,
    truncate: block.truncate,
    ...(block.pinned ? { pinned: true } : {}),
    ...(block.minTokens === undefined ? {} : { minTokens: block.minTokens }),
    ...(block.maxTokens === undefined ? {} : { maxTokens: block.maxTokens }),
    ...(block.group === undefined ? {} : { group: block.group }),
    ...(block.digest === undefined ? {} : { cacheKey: block.digest }),
    overheadTokens,
  };
}

function sameBlocks(a: readonly ContextBlock[], b: readonly ContextBlock[]): boolean {
  return a.length === b.length && a.every((x, i) => x.id === b[i]?.id && x.content === b[i]?.content);
}
