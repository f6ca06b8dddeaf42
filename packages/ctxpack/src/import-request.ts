import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord, utf8Length } from '@ctxpack/block/kernel';
import { importAiSdk } from './import-ai-sdk.js';
import { importAnthropic } from './import-anthropic.js';
import type { Classify, ImportedBlock } from './import-builder.js';
import { ImportCollector } from './import-builder.js';
import { importOpenAIChat } from './import-openai-chat.js';
import { importOpenAIResponses } from './import-openai-responses.js';
import type { ToolDefinitionFindings, ToolDefinitionPins, UntrustedTools } from './import-tools.js';
import { sanitizeToolDefinitions } from './import-tools.js';

export type { Classify, ImportedBlock, ImportedMessage } from './import-builder.js';
export type { ToolDefinitionFindings, ToolDefinitionPins, UntrustedTools } from './import-tools.js';

/** The body formats `importRequest` reads. */
export type ImportTarget = 'openai-chat' | 'openai-responses' | 'anthropic' | 'ai-sdk';

export const IMPORT_TARGETS: readonly ImportTarget[] = Object.freeze([
  'openai-chat',
  'openai-responses',
  'anthropic',
  'ai-sdk',
]);

/** Largest body `importRequest` parses, in UTF-8 bytes (64 MiB); `maxBodyBytes` lowers it. */
export const MAX_IMPORT_BYTES: number = 64 * 1024 * 1024;

export interface ImportOptions {
  /** Overrides the trust of any imported text (e.g. retrieved text pasted into a user message → `untrusted`). */
  classify?: Classify;
  /** Refuse bodies larger than this many UTF-8 bytes; default and maximum {@link MAX_IMPORT_BYTES}. */
  maxBodyBytes?: number;
  /**
   * Tool definitions from an untrusted source (an MCP server): `true` for all, or their names. Their
   * descriptions are sanitized as untrusted text and the findings returned in `toolFindings`; the
   * tools are kept.
   */
  untrustedTools?: UntrustedTools;
  /**
   * Pins of the untrusted tool definitions, kept by the caller across the requests of a session
   * (`new Map()`; the guarded fetch and the AI SDK middleware keep one each): the first definition
   * of each name is pinned, and a later one that differs is replaced by the pinned definition and
   * reported as a high `tool-definition-changed` finding in `toolFindings`.
   */
  toolPins?: ToolDefinitionPins;
}

export interface ImportedRequest {
  /** One block per text, tool call and tool result, in body order; add each with `context.add`. */
  blocks: ImportedBlock[];
  /** Every field of the body that is not the conversation (`model`, `tools`, `temperature`, …). */
  params: Record<string, unknown>;
  /** Ids of the blocks that carried an Anthropic `cache_control` breakpoint. */
  cacheBreakpoints: string[];
  /** What sanitizing the descriptions of `untrustedTools` found, per tool (empty when none were named). */
  toolFindings: ToolDefinitionFindings[];
}

/**
 * Turns a provider request body the application already has into blocks
 * with trust by role — system and developer text `trusted`, the user's turns
 * `user`, assistant text and tool calls `trusted`, tool results `untrusted`
 * (with tool name, call id and a `call:<id>` group) — plus the body's other
 * params. Nothing is half-imported: a body that is not JSON, is too large, or
 * holds a message or part ctxpack cannot carry (images, files, reasoning…)
 * throws `InvalidArgumentError` naming the path.
 *
 * @example
 * const { blocks, params } = importRequest('openai-chat', body);
 * for (const block of blocks) ctx.add(block);
 * const payload = await ctx.assemble({ target: 'openai-chat', maxTokens: 128_000, params });
 */
export function importRequest(
  target: ImportTarget,
  body: unknown,
  options: ImportOptions = {},
): ImportedRequest {
  if (!IMPORT_TARGETS.includes(target)) {
    throw new InvalidArgumentError({ path: 'target', expected: IMPORT_TARGETS.join(', '), value: target });
  }
  if (!isRecord(options as unknown))
    throw new InvalidArgumentError({ path: 'options', expected: 'an object', value: options });
  if (options.classify !== undefined && typeof options.classify !== 'function') {
    throw new InvalidArgumentError({
      path: 'options.classify',
      expected: 'a function',
      value: options.classify,
    });
  }
  const limit = options.maxBodyBytes ?? MAX_IMPORT_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_IMPORT_BYTES) {
    throw new InvalidArgumentError({
      path: 'options.maxBodyBytes',
      expected: `an integer from 1 to ${MAX_IMPORT_BYTES}`,
      value: limit,
    });
  }
  const parsed = parseBody(body, limit);
  const out = new ImportCollector(options.classify);
  let params: Record<string, unknown>;
  if (target === 'ai-sdk') params = importAiSdk(parsed, out);
  else {
    if (!isRecord(parsed))
      throw new InvalidArgumentError({ path: 'body', expected: 'a JSON object', value: parsed });
    if (target === 'openai-chat') params = importOpenAIChat(parsed, out);
    else if (target === 'openai-responses') params = importOpenAIResponses(parsed, out);
    else params = importAnthropic(parsed, out);
  }
  let toolFindings: ToolDefinitionFindings[] = [];
  if (options.untrustedTools !== undefined && Array.isArray(params['tools'])) {
    const r = sanitizeToolDefinitions(params['tools'] as unknown[], options.untrustedTools, options.toolPins);
    params['tools'] = r.tools;
    toolFindings = r.findings;
  } else if (options.untrustedTools !== undefined) sanitizeToolDefinitions([], options.untrustedTools);
  return { blocks: out.blocks, params, cacheBreakpoints: out.cacheBreakpoints, toolFindings };
}

/** A body as text or bytes is parsed; an object is taken as already parsed. */
function parseBody(body: unknown, limit: number): unknown {
  let text: string;
  if (typeof body === 'string') {
    // UTF-16 length bounds UTF-8 bytes from below (≥ 1 byte per unit) and above (≤ 3 per unit).
    if (body.length > limit || (body.length * 3 > limit && utf8Length(body) > limit)) tooLarge(body, limit);
    text = body;
  } else if (body instanceof Uint8Array) {
    if (body.byteLength > limit) tooLarge(body, limit);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      throw new InvalidArgumentError({ path: 'body', expected: 'UTF-8 JSON', value: body });
    }
  } else return body;
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidArgumentError({ path: 'body', expected: 'a JSON request body', value: body });
  }
}

function tooLarge(body: unknown, limit: number): never {
  throw new InvalidArgumentError({ path: 'body', expected: `at most ${limit} bytes`, value: body });
}
