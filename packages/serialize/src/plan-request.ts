import type { ContextBlock } from '@ctxpack/block';
import { InvalidArgumentError } from '@ctxpack/block';
import { assertRecord, assertString } from '@ctxpack/block/kernel';
import type { RandomBytes } from './boundary.js';
import { createNonce, defaultRandomBytes } from './boundary.js';
import { assertBlocks } from './check-input.js';
import { countRequestTokens } from './count-request-tokens.js';
import { estimateBaseTokens, estimateBlockOverhead } from './estimate-overhead.js';
import { isData, layoutMessages } from './plan-messages.js';
import type { ResolvedPolicy, SerializePolicy } from './policy.js';
import { checkBlocks, resolveSerializePolicy } from './policy.js';
import type { Rendered } from './render.js';
import { renderPlanned } from './render.js';
import type { AnthropicOptions } from './render-anthropic.js';
import { checkAnthropicOptions } from './render-anthropic.js';
import { createSeededRandom } from './seeded-random.js';
import type { SpotlightMode, SpotlightOption } from './spotlight.js';
import { applySpotlight, resolveMode } from './spotlight.js';
import type { Target } from './target.js';
import { TARGETS } from './target.js';
import type { TokenCounter } from './token-counter.js';
import { assertCounter } from './token-counter.js';
import { UnsupportedTargetError } from './unsupported-target-error.js';

/** Options of {@link createRequestPlanner}: everything `render` takes, plus the counter the budget uses. */
export interface RequestPlannerOptions<T extends Target = Target> {
  target: T;
  tenant: string;
  /** Who receives the payload, for label rules; default: the target name. */
  audience?: string;
  policy?: SerializePolicy;
  spotlight?: SpotlightOption;
  anthropic?: AnthropicOptions;
  counter: TokenCounter;
  /** Makes the boundary nonce deterministic; otherwise drawn from `random` (WebCrypto by default). */
  seed?: string | Uint8Array;
  random?: RandomBytes;
}

/** One block as the budget sees it: structurally a `FitItem` of `@ctxpack/budget`. */
export interface PlanItem {
  id: string;
  text: string;
  priority: number;
  /** Eviction order at equal priority, from trust: untrusted 0, user 1, trusted 2. */
  rank: number;
  truncate: ContextBlock['truncate'];
  pinned?: boolean;
  minTokens?: number;
  maxTokens?: number;
  group?: string;
  cacheKey?: string;
  /** Framing, role, ids and data boundary: what the block costs beyond its text. */
  overheadTokens: number;
  /** The form the text is sent in, when spotlighting changes it (`datamark`, `encode`). */
  render?: (text: string) => string;
}

/** A block's text as the budget left it (the original, a cut, or dropped). */
export interface PlannedText {
  readonly id: string;
  readonly text: string;
  readonly status?: 'kept' | 'truncated' | 'dropped';
}

/** The budget seam of one request: what to fit, what it costs, and how to measure and render a choice. */
export interface RequestPlan<T extends Target = Target> {
  /** The boundary nonce every render of this plan uses. */
  readonly nonce: string;
  /** One item per block, in block order. */
  readonly items: readonly PlanItem[];
  /** What the request costs whatever is kept (reply priming, preamble, final turn). */
  readonly baseTokens: number;
  /**
   * Ids of the blocks a request must not be sent without: the pinned ones and
   * the latest user turn. A fit that drops one of them is a budget overflow.
   */
  readonly required: readonly string[];
  /** Renders the kept texts and counts the request exactly as it would be sent. */
  measure(kept: readonly PlannedText[]): number;
  /** Renders the kept texts (dropped ones skipped); the last measured request is reused when it is the same. */
  render(kept: readonly PlannedText[]): Rendered<T>;
}

/** Resolves policy and spotlighting once; checks blocks before work and plans them for the budget. */
export interface RequestPlanner<T extends Target = Target> {
  readonly target: T;
  readonly audience: string;
  /** Tenant isolation, label rules for the audience, block and byte limits; throws `PolicyViolationError`. */
  check(blocks: readonly ContextBlock[]): void;
  /** The fit items, base cost, and measure/render functions of `blocks` (already checked, e.g. sanitized). */
  plan(blocks: readonly ContextBlock[]): RequestPlan<T>;
}

/**
 * The seam between serialization and a token budget, for a pipeline such as
 * `ctxpack`'s `assemble`: policy and spotlighting are resolved once here,
 * `check` refuses what no budget can fix before any work, and `plan` gives
 * the budget its items (each block's framing and spotlighted form priced by
 * the target), the per-request cost, and the exact `measure` of a candidate
 * request. Every id is the caller's block id.
 *
 * @example
 * const planner = createRequestPlanner({ target: 'openai-chat', tenant: 'acme', counter: tokenizer });
 * planner.check(blocks);
 * const plan = planner.plan(blocks);
 * const fitted = fit(plan.items, { tokenizer, maxTokens: 8000, baseTokens: plan.baseTokens, measure: plan.measure });
 * const { request } = plan.render(fitted.items);
 */
export function createRequestPlanner<T extends Target>(options: RequestPlannerOptions<T>): RequestPlanner<T> {
  assertRecord(options as unknown, 'options');
  const { target, tenant, spotlight, anthropic } = options;
  if (!TARGETS.includes(target)) throw new UnsupportedTargetError({ target });
  assertString(tenant, 'options.tenant');
  const audience = options.audience ?? target;
  assertString(audience, 'options.audience');
  assertCounter(options.counter, 'options.counter');
  if (anthropic !== undefined) checkAnthropicOptions(anthropic, 'options.anthropic');
  const policy: ResolvedPolicy = resolveSerializePolicy(options.policy);
  const { seed, counter } = options;
  // A seeded stream starts afresh for every plan, so a plan is a function of its blocks and seed.
  const randomOf: () => RandomBytes =
    seed === undefined ? () => options.random ?? defaultRandomBytes : () => createSeededRandom(seed);
  const random = randomOf();
  if (typeof random !== 'function') {
    throw new InvalidArgumentError({ path: 'options.random', expected: 'a function', value: random });
  }
  return {
    target,
    audience,
    check: (blocks) => {
      assertBlocks(blocks, 'blocks');
      checkBlocks(blocks, { tenant, audience, policy });
    },
    plan: (blocks) => {
      assertBlocks(blocks, 'blocks');
      // Transforms can change sizes (sanitizing widens `<` to `⟨`): limits are re-checked on what is planned.
      checkBlocks(blocks, { tenant, audience, policy });
      return planBlocks(blocks, {
        target,
        policy,
        spotlight,
        anthropic,
        counter,
        random: randomOf(),
        seeded: seed !== undefined,
      });
    },
  };
}

interface PlanContext<T extends Target> {
  target: T;
  policy: ResolvedPolicy;
  spotlight: SpotlightOption | undefined;
  anthropic: AnthropicOptions | undefined;
  counter: TokenCounter;
  random: RandomBytes;
  /** The nonce is seeded (a cache-stable conversation): the notice is rendered from the first request on. */
  seeded: boolean;
}

function planBlocks<T extends Target>(blocks: readonly ContextBlock[], ctx: PlanContext<T>): RequestPlan<T> {
  const { target, policy, counter } = ctx;
  const byId = new Map<string, ContextBlock>();
  const modes = new Map<string, SpotlightMode>();
  blocks.forEach((block, i) => {
    if (byId.has(block.id)) {
      // Leaves, source map, report and policy errors name blocks by id: one id, one block.
      throw new InvalidArgumentError({
        path: `blocks[${i}].id`,
        expected: 'an id no other block has',
        value: block.id,
      });
    }
    byId.set(block.id, block);
    if (isData(block)) modes.set(block.id, resolveMode(block, ctx.spotlight, 'options.spotlight'));
  });
  const nonce = createNonce(
    blocks.map((b) => b.content),
    ctx.random,
  );
  const overhead = { target, nonce, counter };
  const latestUser = findLatestUserTurn(blocks);
  const lifted = latestUser === undefined ? undefined : liftOverUntrusted(latestUser, blocks);
  const items = blocks.map((block): PlanItem => {
    const mode = modes.get(block.id);
    const item: PlanItem = {
      id: block.id,
      text: block.content,
      priority: block === latestUser ? (lifted as number) : block.priority,
      rank: TRUST_RANK[block.trust],
      // Tool calls are atomic: cut arguments are invalid JSON on every target.
      truncate: block.kind === 'tool-call' ? 'none' : block.truncate,
      ...(block.pinned ? { pinned: true } : {}),
      ...(block.minTokens === undefined ? {} : { minTokens: block.minTokens }),
      ...(block.maxTokens === undefined ? {} : { maxTokens: block.maxTokens }),
      ...groupOf(block),
      overheadTokens: estimateBlockOverhead(block, mode, overhead),
    };
    const key = block.digest;
    if (mode === undefined || mode === 'delimit')
      return key === undefined ? item : { ...item, cacheKey: key };
    // Datamarked or encoded data is counted as it is sent, so a long block is cut to fit instead of dropped.
    return {
      ...item,
      render: (text: string) => applySpotlight(text, mode),
      ...(key === undefined ? {} : { cacheKey: `${key}:${mode}` }),
    };
  });
  // Seeded: the notice is there before the first data block arrives, so adding one only appends.
  const announce: SpotlightMode[] =
    ctx.seeded && modes.size === 0 ? [typeof ctx.spotlight === 'string' ? ctx.spotlight : 'delimit'] : [];
  const layout = { nonce, policy, modeOf: (b: ContextBlock) => modes.get(b.id) ?? 'delimit', announce };
  const toBlocks = (kept: readonly PlannedText[]): ContextBlock[] => {
    const out: ContextBlock[] = [];
    for (const k of kept) {
      if (k.status === 'dropped') continue;
      const block = byId.get(k.id);
      if (block === undefined) {
        throw new InvalidArgumentError({
          path: 'kept[].id',
          expected: 'the id of a planned block',
          value: k.id,
        });
      }
      out.push(k.text === block.content ? block : { ...block, content: k.text });
    }
    return out;
  };
  // The last request measured is, almost always, the one sent: keep it rather
  // than rendering (and holding) a second copy of a large context.
  let last: { kept: PlannedText[]; rendered: Rendered<T> } | undefined;
  const renderKept = (kept: readonly PlannedText[]): Rendered<T> => {
    const live = kept.filter((k) => k.status !== 'dropped');
    if (last !== undefined && sameTexts(last.kept, live)) return last.rendered;
    const rendered = renderPlanned(layoutMessages(toBlocks(live), layout), target, nonce, ctx.anthropic);
    last = { kept: live.map(({ id, text }) => ({ id, text })), rendered };
    return rendered;
  };
  return {
    nonce,
    items,
    baseTokens: estimateBaseTokens(new Set(announce.length > 0 ? announce : modes.values()), overhead),
    required: blocks.filter((b) => b.pinned || b === latestUser).map((b) => b.id),
    measure: (kept) => countRequestTokens(renderKept(kept).request, target, counter),
    render: renderKept,
  };
}

/** A call and its result are kept or dropped together: ungrouped, they share the group `call:<callId>`. */
function groupOf(block: ContextBlock): { group?: string } {
  if (block.group !== undefined) return { group: block.group };
  const callId = block.source.callId;
  if ((block.kind === 'tool-call' || block.kind === 'tool-result') && callId !== undefined) {
    return { group: `call:${callId}` };
  }
  return {};
}

/** Untrusted data is evicted first, then the user's, then the application's (at equal priority). */
const TRUST_RANK: Readonly<Record<ContextBlock['trust'], number>> = { untrusted: 0, user: 1, trusted: 2 };

/** The user's own turn that comes last: the question the request is for. */
function findLatestUserTurn(blocks: readonly ContextBlock[]): ContextBlock | undefined {
  for (let i = blocks.length - 1; i >= 0; i--) {
    const b = blocks[i] as ContextBlock;
    if (b.kind === 'user' && b.trust === 'user') return b;
  }
  return undefined;
}

/**
 * The priority that keeps `turn` before any untrusted data: at least that of
 * every unit (a group ranks by its highest member) holding an untrusted block.
 * With its user rank above untrusted, it then sorts ahead of all of them.
 */
function liftOverUntrusted(turn: ContextBlock, blocks: readonly ContextBlock[]): number {
  const groupMax = new Map<string, number>();
  for (const b of blocks) {
    if (b.group !== undefined)
      groupMax.set(b.group, Math.max(groupMax.get(b.group) ?? -Infinity, b.priority));
  }
  let priority = turn.priority;
  for (const b of blocks) {
    if (b.trust !== 'untrusted') continue;
    priority = Math.max(priority, b.group === undefined ? b.priority : (groupMax.get(b.group) as number));
  }
  return priority;
}

function sameTexts(a: readonly PlannedText[], b: readonly PlannedText[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]?.id !== b[i]?.id || a[i]?.text !== b[i]?.text) return false;
  return true;
}
