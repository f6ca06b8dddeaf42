import type { ContextBlock } from '@ctxpack/block';
import { assertRecord } from '@ctxpack/block/kernel';
import type { FitItemResult, FitResult } from '@ctxpack/budget';
import { BudgetExceededError, fit, loadTokenizer } from '@ctxpack/budget';
import type { Finding, SanitizeResult } from '@ctxpack/escape';
import { sanitize } from '@ctxpack/escape';
import { deriveBlock, digestRequest, stampBlock } from '@ctxpack/provenance';
import type { AnthropicOptions, SerializePolicy, SpotlightOption, Target } from '@ctxpack/serialize';
import { PAYLOAD_SCHEMA, PAYLOAD_SCHEMA_HASH } from '@ctxpack/serialize';
import { createRequestPlanner, describeSource } from '@ctxpack/serialize/plan';
import type { Signer } from '@ctxpack/sign';
import { createLeafAsync, signManifest } from '@ctxpack/sign';
import type { BlockReport, Payload } from './payload.js';
import { checkParams, mergeParams } from './request-params.js';

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
}

interface InternalOptions<T extends Target> extends AssembleOptions<T> {
  tenant: string;
  signers: readonly Signer[];
  encoding: 'o200k_base' | 'cl100k_base';
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

  const { blocks: sanitized, findings } = sanitizeBlocks(source);

  const plan = planner.plan(sanitized);
  const limit = budget.maxTokens - (budget.reserveOutput ?? 0);
  const measure = (kept: readonly FitItemResult[]) => plan.measure(kept) + paramsTokens;
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
  const leaves = await Promise.all(kept.map((b) => createLeafAsync(b)));
  const { envelope, manifest } = await signManifest(
    {
      tenant,
      audience,
      leaves,
      // Streamed (noble): memory stays near the largest string, not the whole request.
      requestDigest: digestRequest(request),
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
      requestTokens: fitted.report.measured ? fitted.report.used : plan.measure(fitted.items) + paramsTokens,
      budget: budget.maxTokens - (budget.reserveOutput ?? 0),
      blocks: reportBlocks(sanitized, kept, fitted, findings),
      budgetReport: fitted.report,
    },
  };
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

/** Sanitizes each block by its trust; a changed block becomes a child (same id) with a `sanitize` transform. */
function sanitizeBlocks(source: readonly ContextBlock[]): {
  blocks: ContextBlock[];
  findings: Map<string, Finding[]>;
} {
  const findings = new Map<string, Finding[]>();
  const blocks = source.map((original) => {
    const block = stampBlock(original);
    const result =
      block.kind === 'tool-call'
        ? sanitizeArguments(block.content, block.trust)
        : sanitizeText(block.content, block.trust);
    findings.set(block.id, result.findings);
    if (!result.changed) return block;
    return derive(block, result.text, {
      kind: 'sanitize',
      params: { findings: result.findings.length },
      ranges: result.findings.map(({ start, end }) => ({ start, end })),
    });
  });
  return { blocks, findings };
}

/**
 * Sanitizes text by the trust of its origin. Trusted text is otherwise left
 * as written, but no registered special token reaches the model from any
 * origin: a `<|im_start|>` in the application's own text is neutralized too.
 */
type Cleaned = Pick<SanitizeResult, 'text' | 'changed' | 'findings'>;

function sanitizeText(text: string, trust: ContextBlock['trust']): SanitizeResult {
  return sanitize(
    text,
    trust === 'trusted' ? { trust, actions: { specialTokens: 'neutralize' } } : { trust },
  );
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

/** A derived block under its parent's id: one block, one identity, its lineage in `parents`/`transforms`. */
function derive(block: ContextBlock, content: string, transform: ContextBlock['transforms'][number]) {
  return { ...deriveBlock(block, { content, transform }), id: block.id };
}

function reportBlocks(
  blocks: readonly ContextBlock[],
  kept: readonly ContextBlock[],
  fitted: FitResult,
  findings: ReadonlyMap<string, Finding[]>,
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
