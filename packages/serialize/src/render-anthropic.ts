import { InvalidArgumentError } from '@ctxpack/block';
import { assertArray, assertOneOf, assertRecord, assertString, isRecord } from '@ctxpack/block/kernel';
import type { PlannedMessage } from './plan-messages.js';
import { PolicyViolationError } from './policy-violation-error.js';
import type { TargetOutput } from './render-openai-chat.js';
import type {
  AnthropicCacheControl,
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicRequest,
  AnthropicTextBlock,
} from './request-types.js';
import type { SourceMapEntry } from './source-map.js';
import { rangesOf } from './source-map.js';

/** Prompt-caching breakpoints for the Messages API. */
export interface AnthropicOptions {
  /** Put a breakpoint on the last system block, caching the whole system prompt. */
  cacheSystem?: boolean;
  /** Block ids whose content block gets a breakpoint; ids not rendered (e.g. dropped by the budget) are skipped. */
  cacheBreakpoints?: readonly string[];
  cacheTtl?: '5m' | '1h';
}

/** Refuses `anthropic` options of the wrong shape, naming the path. */
export function checkAnthropicOptions(value: unknown, path: string): asserts value is AnthropicOptions {
  assertRecord(value, path);
  const { cacheSystem, cacheBreakpoints, cacheTtl } = value;
  if (cacheSystem !== undefined && typeof cacheSystem !== 'boolean') {
    throw new InvalidArgumentError({
      path: `${path}.cacheSystem`,
      expected: 'a boolean',
      value: cacheSystem,
    });
  }
  if (cacheBreakpoints !== undefined) {
    assertArray(cacheBreakpoints, `${path}.cacheBreakpoints`, MAX_BREAKPOINT_IDS);
    for (let i = 0; i < cacheBreakpoints.length; i++) {
      assertString(cacheBreakpoints[i], `${path}.cacheBreakpoints[${i}]`);
    }
  }
  if (cacheTtl !== undefined) assertOneOf(cacheTtl, `${path}.cacheTtl`, ['5m', '1h']);
}

// Ids not rendered are skipped, so more ids than breakpoints is fine; not unboundedly many.
const MAX_BREAKPOINT_IDS = 10_000;

/** The Messages API accepts at most four `cache_control` breakpoints per request. */
export const MAX_CACHE_BREAKPOINTS = 4;

const toolUseId = /^[a-zA-Z0-9_-]{1,256}$/;

/**
 * Messages API: system texts (preamble first) become the top-level `system`
 * blocks; the rest become `user`/`assistant` messages whose content blocks
 * are `text`, `tool_use` and `tool_result`. Consecutive parts of one role are
 * merged into one message, so each `tool_use` is answered by `tool_result`
 * blocks at the start of the very next user message, as the API requires.
 * Empty text is not sent (the API refuses empty text blocks).
 *
 * @throws {PolicyViolationError} rule `tool-arguments` when a call's arguments are not a JSON object,
 *   `tool-id` when a call id is not `[a-zA-Z0-9_-]+`, `cache-breakpoints` beyond four breakpoints.
 */
export function renderAnthropic(
  plan: readonly PlannedMessage[],
  options: AnthropicOptions = {},
): TargetOutput<AnthropicRequest> {
  const system: AnthropicTextBlock[] = [];
  const messages: AnthropicMessage[] = [];
  const sourceMap: SourceMapEntry[] = [];
  const byBlock = new Map<string, AnthropicContentBlock>();

  for (const m of plan) {
    if (m.role === 'system') {
      if (m.text === '') continue;
      const path = `system[${system.length}]`;
      const block: AnthropicTextBlock = { type: 'text', text: m.text };
      sourceMap.push({
        index: system.length,
        path,
        blockIds: m.blockIds,
        ranges: rangesOf(m, `${path}.text`),
      });
      system.push(block);
      for (const id of m.blockIds) byBlock.set(id, block);
      continue;
    }
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    let last = messages[messages.length - 1];
    let entry = sourceMap[sourceMap.length - 1];
    if (last === undefined || last.role !== role || entry === undefined) {
      const index = messages.length;
      last = { role, content: [] };
      entry = { index, path: `messages[${index}]`, blockIds: [], ranges: [] };
      messages.push(last);
      sourceMap.push(entry);
    }
    const path = `${entry.path}.content[${last.content.length}]`;
    let block: AnthropicContentBlock;
    if (m.toolCall !== undefined) {
      const blockId = m.blockIds[0] ?? '';
      if (!toolUseId.test(m.toolCall.id)) {
        throw new PolicyViolationError({
          rule: 'tool-id',
          blockId,
          message: `has tool call id ${JSON.stringify(m.toolCall.id)}; the Messages API accepts only [a-zA-Z0-9_-]{1,256}`,
        });
      }
      block = {
        type: 'tool_use',
        id: m.toolCall.id,
        name: m.toolCall.name,
        input: parseArguments(m.toolCall.arguments, blockId),
      };
      for (const item of rangesOf(m, `${path}.input`)) entry.ranges.push(item);
    } else if (m.role === 'tool') {
      block = { type: 'tool_result', tool_use_id: m.toolCallId as string, content: m.text };
      for (const item of rangesOf(m, `${path}.content`)) entry.ranges.push(item);
    } else {
      if (m.text === '') continue;
      block = { type: 'text', text: m.text };
      for (const item of rangesOf(m, `${path}.text`)) entry.ranges.push(item);
    }
    for (const item of m.blockIds) entry.blockIds.push(item);
    last.content.push(block);
    for (const id of m.blockIds) byBlock.set(id, block);
  }

  const marked = new Set<AnthropicContentBlock>();
  if (options.cacheSystem === true && system.length > 0)
    marked.add(system[system.length - 1] as AnthropicTextBlock);
  for (const id of options.cacheBreakpoints ?? []) {
    const block = byBlock.get(id);
    if (block !== undefined) marked.add(block);
  }
  if (marked.size > MAX_CACHE_BREAKPOINTS) {
    throw new PolicyViolationError({
      rule: 'cache-breakpoints',
      message: `${marked.size} cache breakpoints requested; the Messages API allows at most ${MAX_CACHE_BREAKPOINTS}`,
    });
  }
  const cacheControl: AnthropicCacheControl =
    options.cacheTtl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: options.cacheTtl };
  for (const block of marked) block.cache_control = { ...cacheControl };

  const request: AnthropicRequest = system.length > 0 ? { system, messages } : { messages };
  return { request, sourceMap };
}

/** Tool arguments as the object `tool_use.input` (and the AI SDK's `input`) needs. */
export function parseArguments(args: string, blockId: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(args);
  } catch {
    value = undefined;
  }
  if (!isRecord(value)) {
    throw new PolicyViolationError({
      rule: 'tool-arguments',
      blockId,
      message:
        'has tool call arguments that are not a JSON object; the target needs an object as the call input',
    });
  }
  return value;
}
