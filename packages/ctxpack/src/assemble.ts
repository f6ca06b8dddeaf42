import type { ContextBlock } from '@ctxpack/block';
import { assertRecord } from '@ctxpack/block/kernel';
import type { EncodingName, FitItemResult, FitResult } from '@ctxpack/budget';
import { BudgetExceededError, fit, loadTokenizer } from '@ctxpack/budget';
import type { SanitizeResult } from '@ctxpack/escape';
import { sanitize } from '@ctxpack/escape';
import { digestRequest, digestRequestAsync } from '@ctxpack/provenance';
import type { AnthropicOptions, SerializePolicy, SpotlightOption, Target } from '@ctxpack/serialize';
import { PAYLOAD_SCHEMA, PAYLOAD_SCHEMA_HASH } from '@ctxpack/serialize';
import { createRequestPlanner, describeSource } from '@ctxpack/serialize/plan';
import type { Signer } from '@ctxpack/sign';
import { createLeafAsync, signManifest } from '@ctxpack/sign';
import { createRequestMeasure } from './measure-request.js';
import type { BlockFinding, BlockReport, Payload } from './payload.js';
import { checkParams, mergeParams } from './request-params.js';
import { checkAllowTokens, derive, sanitizeBlocks } from './sanitize-blocks.js';

export interface AssembleOptions<T extends Target = Target> {
  target: T;
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
  /**
   * The request's other fields (`model`, `tools`, `tool_choice`, `temperature`, `max_tokens`,
   * `response_format`, `stream`, `metadata`…): put first in `payload.request`, counted in the
   * budget as their JSON text, and covered by the signed request digest.
   */
  params?: Record<string, unknown>;
  /**
   * Registered special tokens (exactly as `SPECIAL_TOKENS` spells them) that
   * trusted text may send as written, e.g. `['<|endoftext|>']` for a prompt that
   * shows one. Never applies to user or untrusted text; by default every
   * special token from every origin is neutralized.
   */
  allowTokens?: readonly string[];
}

interface InternalOptions<T extends Target> extends AssembleOptions<T> {
  tenant: string;
  signers: readonly Signer[];
  encoding: EncodingName;
}

/**
 * The pipeline: sanitize (escape) → fit (serialize plans, budget fits) →
 * render (serialize) → sign (sign). Every block keeps the caller's id from
 * start to end; what a step changed is on record in `parents`/`transforms`.
 */
export async function assembleBlocks<T extends Target>(
  source: readonly ContextBlock[],
  options: InternalOptions<T>,
): Promise<Payload<T>> {
  const { target, tenant } = options;
  // Checked by `fit` (typed errors naming `options.maxTokens` / `options.reserveOutput`).
  const budget = { maxTokens: options.maxTokens, ...pick(options, ['reserveOutput']) };
  const tokenizer = await loadTokenizer(options.encoding);
  const planner = createRequestPlanner({
    target,
    tenant,
    counter: tokenizer,
    ...pick(options, ['audience', 'policy', 'spotlight', 'anthropic', 'seed']),
  });
  const { audience } = planner;
  // Tenant, labels for the audience and size limits are refused before any work.
  planner.check(source);
  const params = checkParams(options.params, target);
  const paramsTokens = params.json === '' ? 0 : tokenizer.count(params.json);

  const allowTokens = checkAllowTokens(options.allowTokens);
  const { blocks: sanitized, rendered: renderable, findings } = await sanitizeBlocks(source, allowTokens);

  // Planned and rendered with sanitized source fields; signed (leaves) with the caller's.
  const plan = planner.plan(renderable);
  const limit = budget.maxTokens - (budget.reserveOutput ?? 0);
  // Exact, without tokenizing again the block texts fit counted (see createRequestMeasure).
  const measureRequest = createRequestMeasure(plan, target, tokenizer);
  const measure = (kept: readonly FitItemResult[]) => measureRequest(kept) + paramsTokens;
  const runFit = (maxTokens: number) =>
    fit(plan.items, { tokenizer, ...budget, maxTokens, baseTokens: plan.baseTokens + paramsTokens, measure });
  let fitted = runFit(budget.maxTokens);
  let checked = recheckCuts(sanitized, fitted.items, tokenizer);
  // A re-sanitized cut can cost more tokens than the cut fit counted: fit
  // again under a budget lowered by the excess (bounded), else overflow.
  for (let round = 0; checked.changed.size > 0; round++) {
    const used = measure(checked.items);
    if (used <= limit) break;
    const lowered = budget.maxTokens - (used - limit) - round;
    if (round >= 3 || lowered <= (budget.reserveOutput ?? 0)) {
      throw new BudgetExceededError({ pinnedIds: plan.required, budget: limit, need: used });
    }
    fitted = runFit(lowered);
    checked = recheckCuts(sanitized, fitted.items, tokenizer);
  }
  assertRequiredKept(plan.required, fitted, budget);
  const kept = applyCuts(sanitized, fitted.items, checked.changed);
  for (const [id, { result }] of checked.changed)
    findings.set(id, [...(findings.get(id) ?? []), ...result.findings]);
  if (checked.changed.size > 0) fitted = withItems(fitted, checked.items, measure(checked.items));

  const rendered = plan.render(fitted.items);
  const request = mergeParams(rendered.request, params.params);

  // Native SHA-256 (WebCrypto) where the runtime has it: same digests, faster on large blocks.
  // Every kept block was stamped in this call (natively, or by deriveBlock): its digest is not hashed twice.
  const leaves = await Promise.all(kept.map((b) => createLeafAsync(b, { trustDigest: true })));
  const requestDigest = await digestSent(request, kept);
  const { envelope, manifest } = await signManifest(
    {
      tenant,
      audience,
      leaves,
      requestDigest,
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
    request,
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
      requestTokens: fitted.report.measured ? fitted.report.used : measure(fitted.items),
      budget: budget.maxTokens - (budget.reserveOutput ?? 0),
      blocks: reportBlocks(sanitized, kept, fitted, findings),
      budgetReport: fitted.report,
    },
  };
}

/** Below this many characters of block text the canonical request is built whole and hashed natively. */
const NATIVE_DIGEST_MAX_CHARS = 4 * 1024 * 1024;

/**
 * The request digest. Up to a few MB the canonical JSON is built as one
 * string and hashed by the runtime's native SHA-256 (an order of magnitude
 * faster than JS); beyond, it is streamed through the JS hash so memory stays
 * near the largest string, not twice the request. Same value either way.
 */
function digestSent(request: unknown, kept: readonly ContextBlock[]): Promise<string> | string {
  let chars = 0;
  for (const b of kept) chars += b.content.length;
  return chars <= NATIVE_DIGEST_MAX_CHARS ? digestRequestAsync(request) : digestRequest(request);
}

/**
 * A request is never sent without its pinned blocks or the latest user turn
 * (nor empty): if the budget dropped one, that is an overflow naming them, not
 * a system-less or question-less request.
 */
function assertRequiredKept(
  required: readonly string[],
  fitted: FitResult,
  budget: { maxTokens: number; reserveOutput?: number },
): void {
  const wanted = new Set(required);
  let dropped = false;
  let keptAny = false;
  let need = fitted.report.baseTokens;
  for (const r of fitted.items) {
    if (r.status !== 'dropped') keptAny = true;
    else if (wanted.has(r.id)) dropped = true;
    if (wanted.has(r.id)) need += r.tokensBefore;
  }
  if (!dropped && (keptAny || fitted.items.length === 0)) return;
  throw new BudgetExceededError({
    pinnedIds: required.length > 0 ? required : fitted.items.map((r) => r.id),
    budget: budget.maxTokens - (budget.reserveOutput ?? 0),
    need,
  });
}

function pick<O extends object, K extends keyof O>(options: O, keys: readonly K[]): Partial<Pick<O, K>> {
  assertRecord(options as unknown, 'options');
  const out: Partial<Pick<O, K>> = {};
  for (const key of keys) if (options[key] !== undefined) out[key] = options[key];
  return out;
}

interface Recheck {
  /** The cut text before it was sanitized again, and what sanitizing it did. */
  readonly cut: string;
  readonly tokensAfter: number;
  readonly result: SanitizeResult;
}

/**
 * What is sent is what was checked: a cut can bring `…Human:` to a line start
 * or strand a ZWJ/RLM without its context, so every cut text that is not
 * trusted is sanitized again under its trust; `items` holds the texts to send.
 */
function recheckCuts(
  blocks: readonly ContextBlock[],
  results: readonly FitItemResult[],
  tokenizer: { count(text: string): number },
): { items: FitItemResult[]; changed: Map<string, Recheck> } {
  const changed = new Map<string, Recheck>();
  const items = results.map((r, i) => {
    const block = blocks[i] as ContextBlock;
    if (r.status !== 'truncated' || block.trust === 'trusted') return r;
    const result = sanitize(r.text, { trust: block.trust });
    if (!result.changed) return r;
    changed.set(r.id, { cut: r.text, tokensAfter: r.tokensAfter, result });
    return { ...r, text: result.text, tokensAfter: tokenizer.count(result.text) };
  });
  return { items, changed };
}

/** The fit result with re-sanitized texts, their counts and the measured total. */
function withItems(fitted: FitResult, items: FitItemResult[], used: number): FitResult {
  const after = new Map(items.map((r) => [r.id, r.tokensAfter]));
  const rows = fitted.report.items.map((row) => ({
    ...row,
    tokensAfter: after.get(row.id) ?? row.tokensAfter,
  }));
  let tokensAfter = 0;
  for (const row of rows) if (row.status !== 'dropped') tokensAfter += row.tokensAfter;
  const totals = { ...fitted.report.totals, tokensAfter };
  return { items, report: { ...fitted.report, items: rows, totals, used, measured: true } };
}

/**
 * The blocks the budget kept, in block order; a cut block becomes a child
 * (same id) with a `truncate` transform, and one sanitized again after the
 * cut a grandchild with a second `sanitize` transform.
 */
function applyCuts(
  blocks: readonly ContextBlock[],
  results: readonly FitItemResult[],
  rechecked: ReadonlyMap<string, Recheck>,
): ContextBlock[] {
  const kept: ContextBlock[] = [];
  results.forEach((r, i) => {
    const block = blocks[i] as ContextBlock;
    if (r.status === 'dropped') return;
    if (r.status === 'kept') {
      kept.push(block);
      return;
    }
    const again = rechecked.get(r.id);
    const cut = derive(block, again?.cut ?? r.text, {
      kind: 'truncate',
      params: {
        strategy: block.truncate,
        tokensBefore: r.tokensBefore,
        tokensAfter: again?.tokensAfter ?? r.tokensAfter,
      },
      ...(r.removed === undefined ? {} : { ranges: r.removed }),
    });
    if (again === undefined) {
      kept.push(cut);
      return;
    }
    kept.push(
      derive(cut, again.result.text, {
        kind: 'sanitize',
        params: { findings: again.result.findings.length, after: 'truncate' },
        ranges: again.result.findings.map(({ start, end }) => ({ start, end })),
      }),
    );
  });
  return kept;
}

function reportBlocks(
  blocks: readonly ContextBlock[],
  kept: readonly ContextBlock[],
  fitted: FitResult,
  findings: ReadonlyMap<string, BlockFinding[]>,
): BlockReport[] {
  const sent = new Map(kept.map((b) => [b.id, b]));
  return fitted.items.map((r, i) => {
    const block = sent.get(r.id) ?? (blocks[i] as ContextBlock);
    return {
      id: block.id,
      kind: block.kind,
      trust: block.trust,
      source: describeSource(block),
      status: r.status,
      ...(r.reason === undefined ? {} : { reason: r.reason }),
      tokensBefore: r.tokensBefore,
      ...(r.countedPartially ? { countedPartially: true } : {}),
      tokensAfter: r.tokensAfter,
      findings: findings.get(block.id) ?? [],
      digest: block.digest as string,
      parents: block.parents,
      transforms: block.transforms.map((t) => t.kind),
    };
  });
}
