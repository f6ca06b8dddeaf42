import type { ContextBlock } from '@ctxpack/block';
import { createDataBoundary, renderPreamble } from './boundary.js';
import { chatTemplateOf, countChatTemplate } from './chat-template-framing.js';
import { requestFraming } from './count-request-tokens.js';
import type { SpotlightMode } from './spotlight.js';
import type { Target } from './target.js';
import type { TokenCounter } from './token-counter.js';

/** What the estimates need; every field already checked by the caller. */
export interface OverheadContext {
  target: Target;
  nonce: string;
  counter: TokenCounter;
}

/**
 * Tokens one block costs beyond its own text, for a budget that counts per
 * block: message framing, role and ids, and the data boundary (`mode` is the
 * block's spotlighting when it is data, undefined otherwise). What
 * spotlighting adds to the text itself is not included: the budget counts
 * the spotlighted text (`FitItem.render`). An estimate to steer the fit; the
 * guarantee rests on measuring the final request once.
 */
export function estimateBlockOverhead(
  block: ContextBlock,
  mode: SpotlightMode | undefined,
  { target, nonce, counter }: OverheadContext,
): number {
  const f = requestFraming(target, counter);
  let total = f.perMessage + f.perPart + 2;
  const callId = block.source.callId ?? '';
  if (block.kind === 'tool-call' && block.trust === 'trusted') {
    total += f.perToolCall + counter.count(callId) + counter.count(block.source.tool ?? 'tool') + 1;
  } else if (block.kind === 'tool-result') {
    total += counter.count(callId) + counter.count(block.source.tool ?? 'tool');
  }
  if (mode !== undefined) {
    const { open, close } = createDataBoundary(block, nonce, mode);
    total += counter.count(open) + counter.count(close);
  }
  if (target === 'text')
    total += counter.count(`[${nonce} assistant tool-call ${block.source.tool ?? ''}]\n`) + 1;
  return total;
}

/**
 * Tokens the request costs whatever blocks are kept: reply priming, the
 * preamble for the spotlighting `modes` in use (none when no block is data)
 * and, for `text`, the final open turn.
 */
export function estimateBaseTokens(
  modes: ReadonlySet<SpotlightMode>,
  { target, nonce, counter }: OverheadContext,
): number {
  const f = requestFraming(target, counter);
  const template = chatTemplateOf(counter);
  // An open-weight chat template costs what it renders around an empty conversation (harmony's system message,
  // the BOS, the generation prompt); a text prompt counted with Llama 3 or tekken, the BOS.
  let total = f.replyPriming;
  if (template !== undefined && target === 'openai-chat')
    total = countChatTemplate(template, [], counter, false);
  else if (target === 'text' && (template === 'llama3' || template === 'tekken')) total += 1;
  if (modes.size > 0) {
    total += f.perMessage + f.perPart + 1 + counter.count(renderPreamble(nonce, [...modes].sort()));
    if (target === 'text') total += counter.count(`[${nonce} system]\n`) + 1;
  }
  if (target === 'text') total += counter.count(`\n\n[${nonce} assistant]\n`);
  return total;
}
