import type { BlockSource, ContextBlock, ContextBlockInput, TruncationStrategy, Trust } from '@ctxpack/block';
import { BLOCK_LIMITS, createBlock, InvalidArgumentError } from '@ctxpack/block';
import { assertRecord, isWellFormed } from '@ctxpack/block/kernel';
import type { EncodingName } from '@ctxpack/budget';
import type { SerializePolicy, Target } from '@ctxpack/serialize';
import { TARGETS, UnsupportedTargetError } from '@ctxpack/serialize';
import type { Signer } from '@ctxpack/sign';
import { createSigner } from '@ctxpack/sign';
import type { AssembleOptions } from './assemble.js';
import { assembleBlocks } from './assemble.js';
import type { Payload } from './payload.js';

/** Options every adder takes. */
export interface AddOptions {
  trust?: Trust;
  priority?: number;
  pinned?: boolean;
  truncate?: TruncationStrategy;
  minTokens?: number;
  maxTokens?: number;
  group?: string;
  labels?: string[];
  meta?: Record<string, unknown>;
  id?: string;
}

export interface ContextOptions {
  tenant: string;
  /** A key pair from `generateKeyPair`, or any `Signer` (KMS, HSM), or several for a threshold. */
  signer: { secretKey: Uint8Array; publicKey: Uint8Array; keyId: string } | Signer | readonly Signer[];
  /**
   * The tokenizer the budget counts with (default `o200k_base`). `o200k_harmony` (gpt-oss), `llama3` and `tekken`
   * (Mistral) also select their family's chat-template framing for an `openai-chat` target, as vLLM serves them.
   */
  encoding?: EncodingName;
  /** Serialization policy for every payload (roles, labels per audience, limits); `assemble({ policy })` overrides it. */
  policy?: SerializePolicy;
}

/** A context under construction: add blocks, then `assemble` a signed payload. */
export interface Context {
  readonly tenant: string;
  readonly blocks: readonly ContextBlock[];
  add(block: Omit<ContextBlockInput, 'tenant'> & { tenant?: string }): ContextBlock;
  system(text: string, options?: AddOptions): ContextBlock;
  instructions(text: string, options?: AddOptions): ContextBlock;
  user(text: string, options?: AddOptions): ContextBlock;
  assistant(text: string, options?: AddOptions): ContextBlock;
  toolCall(call: { name: string; callId: string; arguments: unknown }, options?: AddOptions): ContextBlock;
  toolResult(content: string, source: BlockSource, options?: AddOptions): ContextBlock;
  document(text: string, source: BlockSource, options?: AddOptions): ContextBlock;
  memory(text: string, source: BlockSource, options?: AddOptions): ContextBlock;
  assemble<T extends Target>(options: AssembleOptions<T>): Promise<Payload<T>>;
}

/**
 * Starts a context for one tenant, signed by `signer`.
 *
 * @example
 * const ctx = createContext({ tenant: 'acme', signer: generateKeyPair() });
 * ctx.system('You are a helpful assistant.', { pinned: true });
 * ctx.toolResult(output, { type: 'mcp', server: 'weather', tool: 'forecast', callId: 'c1' });
 * const payload = await ctx.assemble({ target: 'openai-chat', maxTokens: 8000 });
 */
export function createContext(options: ContextOptions): Context {
  assertRecord(options as unknown, 'options');
  const { tenant } = options;
  const signers = toSigners(options.signer);
  const encoding = options.encoding ?? 'o200k_base';
  const blocks: ContextBlock[] = [];

  const push = (input: ContextBlockInput): ContextBlock => {
    const block = createBlock(withDefaults(input));
    blocks.push(block);
    return block;
  };
  // Options and sources are spread into the block: check they are objects
  // first (spreading a 20 MB string would build 20 million properties).
  const optionsOf = (opts: AddOptions | undefined): AddOptions => {
    if (opts === undefined) return {};
    assertRecord(opts as unknown, 'options');
    return opts;
  };
  const sourceOf = (source: BlockSource): BlockSource => {
    assertRecord(source as unknown, 'source');
    return source;
  };
  const adder =
    (kind: ContextBlock['kind']) =>
    (text: string, opts?: AddOptions, source?: BlockSource): ContextBlock =>
      push({
        ...optionsOf(opts),
        kind,
        tenant,
        content: text,
        ...(source === undefined ? {} : { source: sourceOf(source) }),
      });

  return {
    tenant,
    get blocks() {
      return blocks.slice();
    },
    add: (block) => {
      assertRecord(block as unknown, 'block');
      return push({ ...block, tenant: block.tenant ?? tenant });
    },
    system: (text, opts) => adder('system')(text, opts),
    instructions: (text, opts) => adder('instructions')(text, opts),
    user: (text, opts) => adder('user')(text, opts),
    assistant: (text, opts) => adder('assistant')(text, opts),
    toolCall: (call, opts) => {
      assertRecord(call as unknown, 'call');
      const content = typeof call.arguments === 'string' ? call.arguments : argumentsJson(call.arguments);
      assertEncodableArguments(content);
      return push({
        group: `call:${String(call.callId)}`,
        ...optionsOf(opts),
        kind: 'tool-call',
        tenant,
        content,
        source: { type: 'app', tool: call.name, callId: call.callId },
      });
    },
    toolResult: (content, source, opts) =>
      push({
        ...(sourceOf(source).callId === undefined ? {} : { group: `call:${String(source.callId)}` }),
        ...optionsOf(opts),
        kind: 'tool-result',
        tenant,
        content,
        source,
      }),
    document: (text, source, opts) => adder('document')(text, opts, source),
    memory: (text, source, opts) => adder('memory')(text, opts, source),
    assemble: async <T extends Target>(assembleOptions: AssembleOptions<T>): Promise<Payload<T>> => {
      assertRecord(assembleOptions as unknown, 'options');
      if (!TARGETS.includes(assembleOptions.target)) {
        throw new UnsupportedTargetError({ target: assembleOptions.target });
      }
      return assembleBlocks(blocks, {
        ...(options.policy === undefined ? {} : { policy: options.policy }),
        ...assembleOptions,
        tenant,
        signers,
        encoding,
      });
    },
  };
}

/**
 * Defaults that protect a caller who sets nothing: the application's `system`
 * and `instructions` text is pinned unless `pinned: false` is given (an
 * untrusted block is data whatever its kind, and is never pinned by default).
 */
function withDefaults(input: ContextBlockInput): ContextBlockInput {
  if (input.pinned !== undefined || input.trust === 'untrusted') return input;
  if (input.kind === 'system' || input.kind === 'instructions') return { ...input, pinned: true };
  return input;
}

function argumentsJson(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value ?? {});
  } catch {
    // Cycles and BigInts: a provider could not receive these arguments either.
  }
  if (typeof json !== 'string') {
    throw new InvalidArgumentError({ path: 'call.arguments', expected: 'JSON data', value });
  }
  return json;
}

/** A `\uD800`–`\uDFFF` escape: the only way JSON text spells a surrogate without containing one. */
const surrogateEscape = /\\u[dD][89a-fA-F]/;

/**
 * Refuses tool-call arguments that hold a lone surrogate, in the text or in
 * any key or string of its JSON. Targets that send the arguments as an object
 * (anthropic `input`, AI SDK `input`) and the request digest (RFC 8785, which
 * cannot encode a lone surrogate) would otherwise fail at `assemble` for some
 * targets and not others; this makes every target refuse it here, naming the
 * argument.
 */
function assertEncodableArguments(content: string): void {
  const refuse = (path: string, value: unknown): never => {
    throw new InvalidArgumentError({
      path,
      expected: 'well-formed Unicode (RFC 8785 cannot encode a lone surrogate)',
      value,
    });
  };
  if (!isWellFormed(content)) refuse('call.arguments', content);
  // Over-long content is left to createBlock's size limit; text without a surrogate escape cannot decode to one.
  if (content.length > BLOCK_LIMITS.maxContentChars || !surrogateEscape.test(content)) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return; // Not JSON: the targets that need an object report that when rendering.
  }
  const found = findLoneSurrogate(parsed);
  if (found !== undefined) refuse(found.path, found.value);
}

/** The first key or string holding a lone surrogate in parsed JSON, with its path; iterative, so depth cannot overflow. */
function findLoneSurrogate(root: unknown): { path: string; value: string } | undefined {
  type Node = { value: unknown; key: string | number | undefined; parent: Node | undefined };
  const pathOf = (node: Node, last?: string): string => {
    const parts: (string | number)[] = last === undefined ? [] : [last];
    for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) parts.push(n.key);
    let out = 'call.arguments';
    for (const part of parts.reverse()) {
      if (typeof part === 'number') out += `[${part}]`;
      else out += /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part.slice(0, 64))}]`;
    }
    return out;
  };
  const stack: Node[] = [{ value: root, key: undefined, parent: undefined }];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const { value } = node;
    if (typeof value === 'string') {
      if (!isWellFormed(value)) return { path: pathOf(node), value };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: i, parent: node });
    } else if (typeof value === 'object' && value !== null) {
      const keys = Object.keys(value);
      for (const key of keys) if (!isWellFormed(key)) return { path: pathOf(node, key), value: key };
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        stack.push({ value: (value as Record<string, unknown>)[key], key, parent: node });
      }
    }
  }
  return undefined;
}

export function toSigners(signer: ContextOptions['signer']): readonly Signer[] {
  if (Array.isArray(signer)) return signer as readonly Signer[];
  if (typeof signer !== 'object' || signer === null) {
    throw new InvalidArgumentError({
      path: 'options.signer',
      expected: 'a key pair or a Signer',
      value: signer,
    });
  }
  if ('sign' in (signer as object)) return [signer as Signer];
  // One Signer per key-pair object: a context per request (the guarded fetch, the AI SDK middleware, an
  // app's handler) reuses it, and with it the WebCrypto key it imported and checked once.
  let made = fromKeyPair.get(signer);
  if (made === undefined) {
    made = [createSigner(signer as { secretKey: Uint8Array; publicKey: Uint8Array; keyId: string })];
    fromKeyPair.set(signer, made);
  }
  return made;
}

const fromKeyPair = new WeakMap<object, readonly Signer[]>();
