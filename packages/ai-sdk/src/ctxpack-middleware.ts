import type { LanguageModelV4CallOptions, LanguageModelV4Middleware } from '@ai-sdk/provider';
import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';
import { digestRequest } from '@ctxpack/provenance';
import type { Signer } from '@ctxpack/sign';
import { createSigner, signManifest } from '@ctxpack/sign';
import type { ContextOptions, GuardedFetchOptions, Payload } from 'ctxpack';
import {
  createContext,
  deriveSessionSeed,
  ENVELOPE_HEADER,
  encodeEnvelopeHeader,
  importRequest,
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
  /** Receives each step's typed payload (request, envelope, leaves, report). */
  onPayload?: (
    payload: Payload,
    info: { type: 'generate' | 'stream'; modelId: string },
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
 * what a gateway can verify byte for byte. `wrapGenerate`/`wrapStream` are
 * left free for the output guard.
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
  const signers = toSigners(options.signer);
  const send =
    options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const pending = new Map<string, Payload>();
  let steps = 0;

  return {
    specificationVersion: 'v4',
    transformParams: async ({ type, params, model }) => {
      const {
        prompt,
        headers,
        abortSignal: _signal,
        providerOptions: _provider,
        includeRawChunks: _raw,
        ...settings
      } = params;
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
          : { seed: deriveSessionSeed(options.sessionKey, blocks, settings.tools) }),
      });
      const step = `${++steps}`;
      pending.set(step, payload);
      for (const key of pending.keys()) {
        if (pending.size <= MAX_PENDING_STEPS) break;
        pending.delete(key);
      }
      if (options.onPayload !== undefined) await options.onPayload(payload, { type, modelId: model.modelId });
      const request = payload.request as unknown as RenderedAiSdkRequest;
      const out: LanguageModelV4CallOptions = {
        ...params,
        prompt: toProviderPrompt(request),
        headers: {
          ...headers,
          [ENVELOPE_HEADER]: encodeEnvelopeHeader(payload.envelope),
          [STEP_HEADER]: step,
        },
      };
      return out;
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
      const { manifest } = payload;
      const ttlSeconds = Math.round((Date.parse(manifest.expiresAt) - Date.parse(manifest.issuedAt)) / 1000);
      // The provider built this body from the prompt the pipeline returned:
      // sign what goes on the wire, over the same block leaves.
      const { envelope } = await signManifest(
        {
          tenant: manifest.tenant,
          audience: manifest.audience,
          leaves: payload.leaves,
          requestDigest: digestRequest(JSON.parse(init.body)),
          ttlSeconds,
          ...(manifest.schema === undefined ? {} : { schema: manifest.schema }),
          ...(manifest.schemaHash === undefined ? {} : { schemaHash: manifest.schemaHash }),
        },
        signers,
      );
      headers.set(ENVELOPE_HEADER, encodeEnvelopeHeader(envelope));
      return send(input, { ...init, headers });
    },
  };
}

function toSigners(signer: ContextOptions['signer']): readonly Signer[] {
  if (Array.isArray(signer)) return signer as readonly Signer[];
  if ('sign' in (signer as object)) return [signer as Signer];
  return [createSigner(signer as { secretKey: Uint8Array; publicKey: Uint8Array; keyId: string })];
}
