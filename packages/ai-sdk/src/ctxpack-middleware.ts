import type {
  LanguageModelV4CallOptions,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';
import type {
  ContextOptions,
  GuardedFetchOptions,
  OutputGuard,
  OutputTextChannel,
  Payload,
  ToolDefinitionFindings,
  ToolDefinitionPins,
} from 'ctxpack';
import {
  createContext,
  createOutputGuard,
  deriveSessionSeed,
  ENVELOPE_HEADER,
  encodeEnvelopeHeader,
  importRequest,
  sanitizeToolDefinitions,
  signRequestBody,
} from 'ctxpack';
import type { RenderedAiSdkRequest } from './prompt-conversion.js';
import { toProviderPrompt } from './prompt-conversion.js';

/** Pairs a step's prompt with the HTTP request the provider then makes; removed before sending. */
export const STEP_HEADER = 'x-ctxpack-step';
/** Steps whose request was never seen by `fetch` (no provider fetch given) are forgotten after this many. */
const MAX_PENDING_STEPS = 64;

/**
 * The guarded fetch's options (`tenant`, `signer`, `maxTokens`, `audience`, `ttlSeconds`, `encoding`,
 * `policy`, `spotlight`, `sessionKey`, `classify`; `fetch` is what `middleware.fetch` sends with), and a
 * per-step `onPayload`.
 */
export interface CtxpackMiddlewareOptions extends Omit<GuardedFetchOptions, 'onPayload'> {
  /**
   * Receives each step's typed payload (request, envelope, leaves, report), and what sanitizing and
   * pinning the `untrustedTools` definitions found (`toolFindings`, as the guarded fetch's).
   */
  onPayload?: (
    payload: Payload,
    info: { type: 'generate' | 'stream'; modelId: string; toolFindings: ToolDefinitionFindings[] },
  ) => void | Promise<void>;
}

export interface CtxpackMiddleware extends LanguageModelV4Middleware {
  /**
   * A fetch for the provider (`createOpenAI({ fetch })`, `createAnthropic({ fetch })`): it signs the
   * exact body the provider sends for each step (same leaves as the step's payload) and puts that
   * envelope in `x-ctxpack-envelope`, so a gateway verifies the bytes it receives with `verifyRequest`.
   */
  readonly fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
}

/**
 * A language-model middleware for `wrapLanguageModel` (AI SDK 7, middleware
 * spec v4): every step of a tool loop — system, user and assistant text,
 * tool calls and tool results — goes through ctxpack's pipeline before the
 * provider sees it. Tool results are untrusted: sanitized and wrapped as
 * data; the budget is fitted; the step is signed (prompt and settings:
 * model, tools, tool choice, temperature, output tokens…) and its envelope
 * goes out in `x-ctxpack-envelope` through the call's `headers`. Give the
 * provider `fetch: middleware.fetch` to sign the wire body instead, which is
 * what a gateway can verify byte for byte. With `output`, `wrapGenerate` /
 * `wrapStream` check each step's answer against that step's payload
 * (`createOutputGuard`), and a nonce leak rotates the session nonce.
 *
 * A prompt part ctxpack cannot carry (files, images, reasoning, provider
 * options) rejects the step with `InvalidArgumentError` before the provider
 * is called.
 *
 * @example
 * const ctxpack = ctxpackMiddleware({ tenant: 'acme', signer: keys });
 * const model = wrapLanguageModel({ model: createOpenAI({ fetch: ctxpack.fetch }).chat('gpt-4o'), middleware: ctxpack });
 */
export function ctxpackMiddleware(options: CtxpackMiddlewareOptions): CtxpackMiddleware {
  if (!isRecord(options as unknown)) {
    throw new InvalidArgumentError({ path: 'options', expected: 'an object', value: options });
  }
  const contextOptions: ContextOptions = {
    tenant: options.tenant,
    signer: options.signer,
    ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  };
  createContext(contextOptions); // a bad tenant or signer fails now, not at the first step
  if (options.untrustedTools !== undefined) sanitizeToolDefinitions([], options.untrustedTools); // likewise
  const output = options.output;
  // Bumped when an answer repeats the nonce: mixed into the session seed, so the next nonce is fresh.
  let rotation = 0;
  /** The payload each transformed call answers, for the output checks of wrapGenerate/wrapStream. */
  const answered = new WeakMap<object, Payload>();
  const guardFor = (params: object): OutputGuard | undefined => {
    const payload = answered.get(params);
    return output === undefined || payload === undefined ? undefined : createOutputGuard(payload, output);
  };
  const finish = (guard: OutputGuard) => {
    if (guard.finish()) rotation++;
  };
  const send =
    options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const pending = new Map<string, Payload>();
  let steps = 0;
  const toolPins: ToolDefinitionPins = new Map();

  return {
    specificationVersion: 'v4',
    transformParams: async ({ type, params, model }) => {
      const {
        prompt,
        headers,
        abortSignal: _signal,
        providerOptions: _provider,
        includeRawChunks: _raw,
        ...given
      } = params;
      // Untrusted tool definitions (an MCP server's) are sanitized and pinned like the guarded fetch's;
      // the provider gets the sanitized tools, and they are what is signed.
      const settings = { ...given };
      let toolFindings: ToolDefinitionFindings[] = [];
      if (options.untrustedTools !== undefined && settings.tools !== undefined) {
        const r = sanitizeToolDefinitions(settings.tools, options.untrustedTools, toolPins);
        settings.tools = r.tools;
        toolFindings = r.findings;
      }
      const { blocks } = importRequest('ai-sdk', prompt, {
        ...(options.classify === undefined ? {} : { classify: options.classify }),
      });
      const ctx = createContext(contextOptions);
      for (const block of blocks) ctx.add(block);
      const payload = await ctx.assemble({
        target: 'ai-sdk',
        maxTokens: options.maxTokens ?? 128_000,
        reserveOutput: settings.maxOutputTokens ?? 0,
        audience: options.audience ?? 'gateway',
        params: { model: `${model.provider}:${model.modelId}`, ...settings },
        ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
        ...(options.spotlight === undefined ? {} : { spotlight: options.spotlight }),
        ...(options.sessionKey === undefined
          ? {}
          : { seed: deriveSessionSeed(options.sessionKey, blocks, settings.tools, rotation) }),
      });
      const step = `${++steps}`;
      pending.set(step, payload);
      for (const key of pending.keys()) {
        if (pending.size <= MAX_PENDING_STEPS) break;
        pending.delete(key);
      }
      if (options.onPayload !== undefined) {
        await options.onPayload(payload, { type, modelId: model.modelId, toolFindings });
      }
      const request = payload.request as unknown as RenderedAiSdkRequest;
      const out: LanguageModelV4CallOptions = {
        ...params,
        ...(settings.tools === undefined ? {} : { tools: settings.tools }),
        prompt: toProviderPrompt(request),
        headers: {
          ...headers,
          [ENVELOPE_HEADER]: encodeEnvelopeHeader(payload.envelope),
          [STEP_HEADER]: step,
        },
      };
      answered.set(out, payload);
      return out;
    },
    wrapGenerate: async ({ doGenerate, params }) => {
      const result = await doGenerate();
      const guard = guardFor(params);
      if (guard === undefined) return result;
      const content = result.content.map((part) => {
        if (part.type === 'text') return { ...part, text: guard.checkText(part.text) };
        if (part.type === 'tool-call') guard.checkToolCall(part);
        return part;
      });
      finish(guard);
      return { ...result, content };
    },
    wrapStream: async ({ doStream, params }) => {
      const result = await doStream();
      const guard = guardFor(params);
      if (guard === undefined) return result;
      return { ...result, stream: result.stream.pipeThrough(guardParts(guard, () => finish(guard))) };
    },
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers);
      const step = headers.get(STEP_HEADER);
      const payload = step === null ? undefined : pending.get(step);
      if (step === null || payload === undefined || typeof init?.body !== 'string') {
        headers.delete(STEP_HEADER);
        return send(input, { ...init, headers });
      }
      pending.delete(step);
      headers.delete(STEP_HEADER);
      // The provider built this body from the prompt the pipeline returned:
      // sign what goes on the wire, over the same block leaves.
      const envelope = await signRequestBody(payload, init.body, options.signer);
      headers.set(ENVELOPE_HEADER, encodeEnvelopeHeader(envelope));
      return send(input, { ...init, headers });
    },
  };
}

/** Checks a stream's text deltas (one channel per text id) and tool calls; what a channel holds goes out before its `text-end`. */
function guardParts(
  guard: OutputGuard,
  onDone: () => void,
): TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart> {
  const channels = new Map<string, OutputTextChannel>();
  let done = false;
  const end = () => {
    if (!done) onDone();
    done = true;
  };
  const close = (id: string, controller: TransformStreamDefaultController<LanguageModelV4StreamPart>) => {
    const channel = channels.get(id);
    if (channel === undefined) return;
    channels.delete(id);
    const rest = channel.end();
    if (rest !== '') controller.enqueue({ type: 'text-delta', id, delta: rest });
  };
  return new TransformStream({
    transform: (part, controller) => {
      if (part.type === 'text-delta') {
        let channel = channels.get(part.id);
        if (channel === undefined) {
          channel = guard.openText();
          channels.set(part.id, channel);
        }
        const delta = channel.push(part.delta);
        if (delta !== '') controller.enqueue({ ...part, delta });
        return;
      }
      if (part.type === 'text-end') close(part.id, controller);
      else if (part.type === 'tool-call') guard.checkToolCall(part);
      else if (part.type === 'finish') {
        for (const id of [...channels.keys()]) close(id, controller);
        end();
      }
      controller.enqueue(part);
    },
    flush: (controller) => {
      for (const id of [...channels.keys()]) close(id, controller);
      end();
    },
  });
}
