import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';
import type { SerializePolicy, SpotlightOption } from '@ctxpack/serialize';
import type { ContextOptions } from './context.js';
import { createContext, toSigners } from './context.js';
import { ENVELOPE_HEADER, encodeEnvelopeHeader } from './envelope-header.js';
import { guardProviderResponse } from './guard-provider-response.js';
import type {
  Classify,
  ImportTarget,
  ToolDefinitionFindings,
  ToolDefinitionPins,
  UntrustedTools,
} from './import-request.js';
import { importRequest } from './import-request.js';
import type { OutputGuardOptions } from './output-guard.js';
import { createOutputGuard, readOutputOptions } from './output-guard.js';
import type { Payload } from './payload.js';
import { deriveSessionSeed } from './session-seed.js';
import { trimTrailing } from './trim-trailing.js';

type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export interface GuardedFetchOptions {
  tenant: string;
  /** A key pair from `generateKeyPair`, a `Signer` (KMS, HSM), or several for a threshold. */
  signer: ContextOptions['signer'];
  /** Context window of the model, framing and params included; default 128,000 tokens. */
  maxTokens?: number;
  /** Who verifies the request (the gateway's `audience`); default `gateway`. */
  audience?: string;
  /** Lifetime of each signed request; default 300 s. */
  ttlSeconds?: number;
  encoding?: ContextOptions['encoding'];
  policy?: SerializePolicy;
  spotlight?: SpotlightOption;
  /**
   * Secret bytes (≥ 16) the application keeps: the boundary nonce is derived from it and the
   * conversation's system prompt and tools, so consecutive requests share a byte-identical prefix
   * (prompt caching). Default: a fresh random nonce per request.
   */
  sessionKey?: Uint8Array;
  /** Overrides the trust of imported texts (see `importRequest`). */
  classify?: Classify;
  /**
   * Tool definitions from an untrusted source (an MCP server): `true` for all, or their names. Their
   * descriptions (the tool's and every `description`/`title` in its schema) are sanitized as untrusted
   * text before they are signed and sent, and each is pinned at its first request: a later definition
   * that differs is sent as pinned. The findings go to `onPayload` (`info.toolFindings`). The tools are
   * never dropped.
   */
  untrustedTools?: UntrustedTools;
  /** The fetch that sends the guarded request; default `globalThis.fetch`. */
  fetch?: Fetch;
  /**
   * Checks every answer to a guarded request against the payload it answers (`checkResponse` on its
   * text, `checkToolCall` on its tool calls; JSON and server-sent events of OpenAI and Anthropic) with
   * these actions: `redact` rewrites the answer, `block` rejects it with `ResponseBlockedError` /
   * `ToolCallBlockedError`. With a `sessionKey`, an answer that repeats the boundary nonce rotates it:
   * the next request gets a fresh one. Default: answers are not checked.
   */
  output?: OutputGuardOptions;
  /** Receives the typed payload (envelope, leaves, report) of every guarded request. */
  onPayload?: (
    payload: Payload,
    info: { url: string; target: ImportTarget; toolFindings: ToolDefinitionFindings[] },
  ) => void | Promise<void>;
}

/** The endpoints a guarded fetch rewrites (POST, by the end of the URL path). */
const ENDPOINTS: readonly [suffix: string, target: ImportTarget][] = [
  ['/chat/completions', 'openai-chat'],
  ['/responses', 'openai-responses'],
  ['/messages', 'anthropic'],
];

/** Which target a request is for, or undefined when a guarded fetch passes it through. */
export function guardedTargetOf(method: string, url: string): ImportTarget | undefined {
  if (method.toUpperCase() !== 'POST') return undefined;
  let path: string;
  try {
    path = trimTrailing(new URL(url).pathname, '/');
  } catch {
    return undefined;
  }
  for (const [suffix, target] of ENDPOINTS) if (path.endsWith(suffix)) return target;
  return undefined;
}

/**
 * A `fetch` for `new OpenAI({ fetch })`, `new Anthropic({ fetch })` or any
 * client that takes one. A POST to `…/chat/completions`, `…/responses` or
 * `…/messages` is imported (`importRequest`: tool results untrusted), then
 * sanitized, fitted and signed as a whole body — conversation and params
 * (model, tools, tool_choice, temperature, max tokens, stream…) — and sent
 * with the envelope in `x-ctxpack-envelope` (base64url, at most 8 KiB; the
 * leaves stay with the caller through `onPayload`). Every other request
 * passes through untouched. A streaming request stays streaming: the
 * response is returned as the provider sends it.
 *
 * A body on a guarded endpoint that cannot be read as JSON text, or that
 * holds what ctxpack cannot carry (images, files, reasoning items), rejects
 * with `InvalidArgumentError` before anything is sent: never a half-rewritten
 * request. The output budget is the body's `max_tokens` /
 * `max_completion_tokens` / `max_output_tokens`. For Anthropic, a body with
 * no `cache_control` of its own gets a breakpoint on its last system block
 * (tools and system prompt cached as one stable prefix).
 *
 * @example
 * const openai = new OpenAI({ fetch: createGuardedFetch({ tenant: 'acme', signer: keys }) });
 */
export function createGuardedFetch(options: GuardedFetchOptions): Fetch {
  if (!isRecord(options as unknown)) {
    throw new InvalidArgumentError({ path: 'options', expected: 'an object', value: options });
  }
  const send: Fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  if (typeof send !== 'function') {
    throw new InvalidArgumentError({
      path: 'options.fetch',
      expected: 'a fetch function',
      value: options.fetch,
    });
  }
  // A bad signer fails here, at setup, not at the first request; it is converted once, not per request.
  const signer = toSigners(options.signer);
  createContext(contextOptions(options, signer));
  const output = readOutputOptions(options.output, 'options.output');
  const maxTokens = options.maxTokens ?? 128_000;
  // Bumped when an answer repeats the nonce: mixed into the session seed, so the next nonce is fresh.
  let rotation = 0;
  const toolPins: ToolDefinitionPins = new Map();

  return async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const url = request?.url ?? String(input);
    const method = init?.method ?? request?.method ?? 'GET';
    const target = guardedTargetOf(method, url);
    if (target === undefined) return send(input, init);

    const body = await readBody(
      init?.body ?? (request === undefined ? undefined : await request.clone().text()),
    );
    const { blocks, params, cacheBreakpoints, toolFindings } = importRequest(target, body, {
      ...(options.classify === undefined ? {} : { classify: options.classify }),
      ...(options.untrustedTools === undefined ? {} : { untrustedTools: options.untrustedTools, toolPins }),
    });
    const ctx = createContext(contextOptions(options, signer));
    for (const block of blocks) ctx.add(block);
    const payload = await ctx.assemble({
      target,
      maxTokens,
      reserveOutput: outputBudget(params),
      audience: options.audience ?? 'gateway',
      params,
      ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
      ...(options.spotlight === undefined ? {} : { spotlight: options.spotlight }),
      ...(options.sessionKey === undefined
        ? {}
        : { seed: deriveSessionSeed(options.sessionKey, blocks, params['tools'], rotation) }),
      ...(target === 'anthropic' ? { anthropic: anthropicCache(cacheBreakpoints, params) } : {}),
    });
    if (options.onPayload !== undefined) await options.onPayload(payload, { url, target, toolFindings });

    const headers = new Headers(init?.headers ?? request?.headers);
    headers.set('content-type', 'application/json');
    headers.delete('content-length');
    headers.set(ENVELOPE_HEADER, encodeEnvelopeHeader(payload.envelope));
    const signed = JSON.stringify(payload.request);
    const response =
      request !== undefined && init === undefined
        ? await send(new Request(request, { body: signed, headers }))
        : await send(request ?? input, { ...init, method, body: signed, headers });
    if (output === undefined) return response;
    const guard = createOutputGuard(payload, output);
    return guardProviderResponse(response, target, guard, () => {
      if (guard.finish()) rotation++;
    });
  };
}

function contextOptions(options: GuardedFetchOptions, signer: ContextOptions['signer']): ContextOptions {
  return {
    tenant: options.tenant,
    signer,
    ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  };
}

async function readBody(body: unknown): Promise<string | Uint8Array> {
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (typeof Blob !== 'undefined' && body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  throw new InvalidArgumentError({
    path: 'init.body',
    expected: 'a JSON request body as a string, bytes or a Blob',
    value: body,
  });
}

/**
 * The caller's `cache_control` breakpoints where it placed any (on messages, system or tools);
 * otherwise one on the stable prefix: the last system block, which caches tools and system together
 * (the Messages API caches in the order tools, system, messages).
 */
function anthropicCache(breakpoints: string[], params: Record<string, unknown>) {
  if (breakpoints.length > 0) return { cacheBreakpoints: breakpoints };
  const tools = params['tools'];
  if (Array.isArray(tools) && tools.some((t) => isRecord(t) && t['cache_control'] !== undefined)) return {};
  return { cacheSystem: true };
}

function outputBudget(params: Record<string, unknown>): number {
  for (const key of ['max_tokens', 'max_completion_tokens', 'max_output_tokens']) {
    const value = params[key];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  }
  return 0;
}
