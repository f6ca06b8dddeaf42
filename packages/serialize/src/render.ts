import type { ContextBlock } from '@ctxpack/block';
import { assertRecord } from '@ctxpack/block/kernel';
import type { RandomBytes } from './boundary.js';
import { createNonce, defaultRandomBytes } from './boundary.js';
import { assertBlocks } from './check-input.js';
import type { PlannedMessage, PlanOptions } from './plan-messages.js';
import { planMessages } from './plan-messages.js';
import { renderAiSdk } from './render-ai-sdk.js';
import type { AnthropicOptions } from './render-anthropic.js';
import { checkAnthropicOptions, renderAnthropic } from './render-anthropic.js';
import type { TargetOutput } from './render-openai-chat.js';
import { renderOpenAIChat } from './render-openai-chat.js';
import { renderOpenAIResponses } from './render-openai-responses.js';
import { renderText } from './render-text.js';
import type { RequestFor } from './request-types.js';
import { createSeededRandom } from './seeded-random.js';
import type { SourceMapEntry } from './source-map.js';
import type { Target } from './target.js';
import { TARGETS } from './target.js';
import { UnsupportedTargetError } from './unsupported-target-error.js';

export interface RenderOptions<T extends Target = Target> extends Omit<PlanOptions, 'nonce'> {
  target: T;
  /** Boundary nonce, from `createNonce`. Drawn here (from `seed`, or at random) when absent. */
  nonce?: string;
  /** Makes the drawn nonce, and so the whole output, deterministic. Ignored when `nonce` is given. */
  seed?: string | Uint8Array;
  /** Randomness for the nonce when neither `nonce` nor `seed` is given. */
  random?: RandomBytes;
  /** Who receives the payload, for label rules; default: the target name (an external model API). */
  audience?: string;
  /** Messages API prompt caching; ignored by other targets. */
  anthropic?: AnthropicOptions;
}

export interface Rendered<T extends Target = Target> {
  target: T;
  /** The provider request body (`{ messages }`, `{ instructions, input }`, `{ system, messages }`, `{ prompt }`). */
  request: RequestFor<T>;
  /** Per rendered message: its blocks and the character ranges of their content. */
  sourceMap: SourceMapEntry[];
  /** The boundary nonce used. */
  nonce: string;
}

/**
 * Renders blocks into the request shape of `target`, enforcing policy
 * (tenant, labels, trust → role, tool pairing, limits). Nothing is rendered
 * when a rule fails. Spread `request` into the SDK call, next to `model`.
 *
 * @example
 * const { request } = render(blocks, { target: 'openai-chat', tenant: 'acme', seed: 'conv-42' });
 * await openai.chat.completions.create({ model: 'gpt-4o', ...request });
 */
export function render<T extends Target>(
  blocks: readonly ContextBlock[],
  options: RenderOptions<T>,
): Rendered<T> {
  assertBlocks(blocks, 'blocks');
  assertRecord(options, 'options');
  const { target } = options;
  if (!TARGETS.includes(target)) throw new UnsupportedTargetError({ target });
  if (options.anthropic !== undefined) checkAnthropicOptions(options.anthropic, 'options.anthropic');
  const nonce =
    options.nonce ??
    createNonce(
      blocks.map((b) => b.content),
      options.seed === undefined ? (options.random ?? defaultRandomBytes) : createSeededRandom(options.seed),
    );
  const plan = planMessages(blocks, {
    tenant: options.tenant,
    nonce,
    audience: options.audience ?? target,
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(options.spotlight === undefined ? {} : { spotlight: options.spotlight }),
  });
  return renderPlanned(plan, target, nonce, options.anthropic);
}

/** The planned messages in the wire shape of `target`. */
export function renderPlanned<T extends Target>(
  plan: readonly PlannedMessage[],
  target: T,
  nonce: string,
  anthropic: AnthropicOptions | undefined,
): Rendered<T> {
  let out: TargetOutput<unknown>;
  switch (target) {
    case 'openai-chat':
      out = renderOpenAIChat(plan);
      break;
    case 'openai-responses':
      out = renderOpenAIResponses(plan);
      break;
    case 'anthropic':
      out = renderAnthropic(plan, anthropic);
      break;
    case 'ai-sdk':
      out = renderAiSdk(plan);
      break;
    case 'text':
      out = renderText(plan, nonce);
      break;
    default:
      throw new UnsupportedTargetError({ target });
  }
  return { target, request: out.request as RequestFor<T>, sourceMap: out.sourceMap, nonce };
}
