import type { ContextBlock } from '@ctxpack/block';
import type { FitItem, FitItemResult } from '@ctxpack/budget';
import { createTokenizer, fit } from '@ctxpack/budget';
import type { Finding } from '@ctxpack/escape';
import { sanitize } from '@ctxpack/escape';
import { deriveBlock, digestRequest, stampBlock } from '@ctxpack/provenance';
import type { Target } from '@ctxpack/serialize';
import {
  countRequestTokens,
  createNonce,
  describeSource,
  isDataBlock,
  OPENAI_CHAT_FRAMING,
  render,
  renderPreamble,
  wrapData,
} from '@ctxpack/serialize';
import type { Signer } from '@ctxpack/sign';
import { createLeaf, signManifest } from '@ctxpack/sign';
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
export async function assembleBlocks(source: readonly ContextBlock[], options: InternalOptions): Promise<Payload> {
  const { target, tenant } = options;
  const audience = options.audience ?? target;
  const tokenizer = createTokenizer(options.encoding);
  const findings = new Map<string, Finding[]>();

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
  const nonce = createNonce(sanitized.map((b) => b.content));
  const byId = new Map(sanitized.map((b) => [b.id, b]));
  const withText = (results: readonly FitItemResult[]): ContextBlock[] =>
    results.map((r) => ({ ...(byId.get(r.id) as ContextBlock), content: r.text }));
  const items: FitItem[] = sanitized.map((b) => toFitItem(b, target, nonce, tokenizer));
  const fitted = fit(items, {
    tokenizer,
    maxTokens: options.maxTokens,
    ...(options.reserveOutput === undefined ? {} : { reserveOutput: options.reserveOutput }),
    baseTokens: baseTokens(sanitized, target, nonce, tokenizer),
    measure: (kept) => countRequestTokens(render(withText(kept), { target, tenant, nonce }).request, target, tokenizer),
  });

  // 3. Truncated blocks become children with a `truncate` transform.
  const kept: ContextBlock[] = [];
  const reports: BlockReport[] = [];
  for (const r of fitted.items) {
    const block = byId.get(r.id) as ContextBlock;
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
    if (r.status !== 'dropped') kept.push(final);
    reports.push({
      id: idOf.get(r.id) ?? r.id,
      kind: block.kind,
      trust: block.trust,
      source: describeSource(block),
      status: r.status,
      ...(r.reason === undefined ? {} : { reason: r.reason }),
      tokensBefore: r.tokensBefore,
      tokensAfter: r.tokensAfter,
      findings: findings.get(idOf.get(r.id) ?? r.id) ?? [],
      digest: final.digest as string,
      parents: final.parents,
      transforms: final.transforms.map((t) => t.kind),
    });
  }

  // 4. Render once, bind the request digest and the block headers, sign once.
  const rendered = render(kept, { target, tenant, nonce });
  const leaves = kept.map((b) => createLeaf(b));
  const { envelope, manifest } = await signManifest(
    {
      tenant,
      audience,
      leaves,
      requestDigest: digestRequest(rendered.request),
      ttlSeconds: options.ttlSeconds ?? 300,
      ...(options.now === undefined ? {} : { now: options.now }),
    },
    options.signers,
  );
  return {
    target,
    request: rendered.request,
    envelope,
    leaves,
    manifest,
    report: {
      target,
      tenant,
      audience,
      requestTokens: countRequestTokens(rendered.request, target, tokenizer),
      budget: options.maxTokens - (options.reserveOutput ?? 0),
      blocks: reports,
      budgetReport: fitted.report,
    },
  };
}

function toFitItem(
  block: ContextBlock,
  target: Target,
  nonce: string,
  tokenizer: { count(text: string): number },
): FitItem {
  // Message framing, the role, and — for data — the boundary wrapper itself.
  const wrapper = isDataBlock(block) ? wrapData(block, '', nonce) : '';
  const framing = target === 'text' ? TEXT_TURN_HEADER : OPENAI_CHAT_FRAMING.perMessage + 1;
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
    overheadTokens: framing + (wrapper === '' ? 0 : tokenizer.count(wrapper)),
  };
}

// `[<nonce> role]\n` plus the blank line between turns: an estimate; `fit`'s
// final measure of the rendered prompt is what the budget guarantee rests on.
const TEXT_TURN_HEADER = 20;

function baseTokens(
  blocks: readonly ContextBlock[],
  target: Target,
  nonce: string,
  tokenizer: { count(text: string): number },
): number {
  const preamble = blocks.some(isDataBlock) ? tokenizer.count(renderPreamble(nonce)) : 0;
  if (target === 'text') return TEXT_TURN_HEADER + (preamble === 0 ? 0 : preamble + TEXT_TURN_HEADER);
  return OPENAI_CHAT_FRAMING.replyPriming + (preamble === 0 ? 0 : preamble + OPENAI_CHAT_FRAMING.perMessage + 1);
}
