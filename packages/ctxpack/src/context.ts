import type { BlockSource, ContextBlock, ContextBlockInput, TruncationStrategy, Trust } from '@ctxpack/block';
import { assertRecord, createBlock, InvalidArgumentError } from '@ctxpack/block';
import type { SerializePolicy } from '@ctxpack/serialize';
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
  encoding?: 'o200k_base' | 'cl100k_base';
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
  assemble(options: AssembleOptions): Promise<Payload>;
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
    const block = createBlock(input);
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
      return push({
        group: `call:${String(call.callId)}`,
        ...optionsOf(opts),
        kind: 'tool-call',
        tenant,
        content: typeof call.arguments === 'string' ? call.arguments : argumentsJson(call.arguments),
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
    assemble: async (assembleOptions) => {
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

function toSigners(signer: ContextOptions['signer']): readonly Signer[] {
  if (Array.isArray(signer)) return signer as readonly Signer[];
  if (typeof signer !== 'object' || signer === null) {
    throw new InvalidArgumentError({
      path: 'options.signer',
      expected: 'a key pair or a Signer',
      value: signer,
    });
  }
  if ('sign' in (signer as object)) return [signer as Signer];
  return [createSigner(signer as { secretKey: Uint8Array; publicKey: Uint8Array; keyId: string })];
}
