import type { ContextBlock } from '@ctxpack/block';
import { assertRecord, InvalidArgumentError } from '@ctxpack/block';
import { createDataBoundary, renderPreamble } from './boundary.js';
import { assertBlockShape, assertBlocks, assertCounter } from './check-input.js';
import type { TokenCounter } from './count-request-tokens.js';
import { REQUEST_FRAMING } from './count-request-tokens.js';
import { isDataBlock } from './plan-messages.js';
import type { SpotlightMode, SpotlightOption } from './spotlight.js';
import { applySpotlight, resolveSpotlight } from './spotlight.js';
import type { Target } from './target.js';
import { TARGETS } from './target.js';
import { UnsupportedTargetError } from './unsupported-target-error.js';

export interface OverheadOptions {
  target: Target;
  nonce: string;
  counter: TokenCounter;
  spotlight?: SpotlightOption;
  /**
   * Default true: add what `datamark`/`encode` add to the text, at full
   * length. False when the budget counts the spotlighted text itself (e.g.
   * `@ctxpack/budget`'s `FitItem.render`), so the cost is not counted twice.
   */
  includeSpotlightCost?: boolean;
}

/**
 * Tokens one block costs beyond its own text, for a budget that counts per
 * block: message framing, role and ids, the data boundary, and what
 * spotlighting adds (`datamark` and `encode` change the text; the difference
 * is taken at full length, so it over-estimates a block that is then cut).
 * An estimate to steer the fit; the guarantee rests on counting the final
 * request once with `countRequestTokens`.
 *
 * @example
 * const overheadTokens = estimateBlockOverhead(block, { target: 'anthropic', nonce, counter });
 */
export function estimateBlockOverhead(block: ContextBlock, options: OverheadOptions): number {
  assertBlockShape(block, 'block');
  checkOverheadOptions(options);
  const { target, nonce, counter } = options;
  const f = REQUEST_FRAMING[target];
  let total = f.perMessage + f.perPart + 2;
  const callId = block.source.callId ?? '';
  if (block.kind === 'tool-call' && block.trust === 'trusted') {
    total += f.perToolCall + counter.count(callId) + counter.count(block.source.tool ?? 'tool') + 1;
  } else if (block.kind === 'tool-result') {
    total += counter.count(callId) + counter.count(block.source.tool ?? 'tool');
  }
  if (isDataBlock(block)) {
    const mode = resolveSpotlight(block, options.spotlight);
    const { open, close } = createDataBoundary(block, nonce, mode);
    total += counter.count(open) + counter.count(close);
    if (mode !== 'delimit' && options.includeSpotlightCost !== false) {
      total += Math.max(0, counter.count(applySpotlight(block.content, mode)) - counter.count(block.content));
    }
  }
  if (target === 'text')
    total += counter.count(`[${nonce} assistant tool-call ${block.source.tool ?? ''}]\n`) + 1;
  return total;
}

/**
 * Tokens the request costs whatever blocks are kept: reply priming, the
 * preamble (when any block is data) and, for `text`, the final open turn.
 *
 * @example
 * const baseTokens = estimateBaseTokens(blocks, { target: 'openai-chat', nonce, counter });
 */
export function estimateBaseTokens(blocks: readonly ContextBlock[], options: OverheadOptions): number {
  assertBlocks(blocks, 'blocks');
  checkOverheadOptions(options);
  const { target, nonce, counter } = options;
  const f = REQUEST_FRAMING[target];
  let total = f.replyPriming;
  const modes = new Set<SpotlightMode>();
  for (const b of blocks) if (isDataBlock(b)) modes.add(resolveSpotlight(b, options.spotlight));
  if (modes.size > 0) {
    total += f.perMessage + f.perPart + 1 + counter.count(renderPreamble(nonce, [...modes].sort()));
    if (target === 'text') total += counter.count(`[${nonce} system]\n`) + 1;
  }
  if (target === 'text') total += counter.count(`\n\n[${nonce} assistant]\n`);
  return total;
}

function checkOverheadOptions(options: OverheadOptions): void {
  assertRecord(options, 'options');
  if (!TARGETS.includes(options.target)) throw new UnsupportedTargetError({ target: options.target });
  assertCounter(options.counter, 'options.counter');
  const { includeSpotlightCost } = options;
  if (includeSpotlightCost !== undefined && typeof includeSpotlightCost !== 'boolean') {
    throw new InvalidArgumentError({
      path: 'options.includeSpotlightCost',
      expected: 'a boolean',
      value: includeSpotlightCost,
    });
  }
}
