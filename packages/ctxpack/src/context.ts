import type { BlockSource, ContextBlock, ContextBlockInput, TruncationStrategy, Trust } from '@ctxpack/block';
import { createBlock } from '@ctxpack/block';
import type { SerializePolicy } from '@ctxpack/serialize';
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
  const { tenant } = options;
  const signers = toSigners(options.signer);
  const encoding = options.encoding ?? 'o200k_base';
  const blocks: ContextBlock[] = [];

  const push = (input: ContextBlockInput): ContextBlock => {
    const block = createBlock(input);
    blocks.push(block);
    return block;
  };
  const adder =
    (kind: ContextBlock['kind']) =>
    (text: string, opts: AddOptions = {}, source?: BlockSource): ContextBlock =>
      push({ ...opts, kind, tenant, content: text, ...(source === undefined ? {} : { source }) });

  return {
    tenant,
    get blocks() {
      return blocks.slice();
    },
    add: (block) => push({ ...block, tenant: block.tenant ?? tenant }),
    system: (text, opts) => adder('system')(text, opts),
    instructions: (text, opts) => adder('instructions')(text, opts),
    user: (text, opts) => adder('user')(text, opts),
    assistant: (text, opts) => adder('assistant')(text, opts),
    toolCall: (call, opts = {}) =>
      push({
        group: `call:${call.callId}`,
        ...opts,
        kind: 'tool-call',
        tenant,
        content: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}),
        source: { type: 'app', tool: call.name, callId: call.callId },
      }),
    toolResult: (content, source, opts = {}) =>
      push({
        ...(source.callId === undefined ? {} : { group: `call:${source.callId}` }),
        ...opts,
        kind: 'tool-result',
        tenant,
        content,
        source,
      }),
    document: (text, source, opts) => adder('document')(text, opts, source),
    memory: (text, source, opts) => adder('memory')(text, opts, source),
    assemble: (assembleOptions) =>
      assembleBlocks(blocks, {
        ...(options.policy === undefined ? {} : { policy: options.policy }),
        ...assembleOptions,
        tenant,
        signers,
        encoding,
      }),
  };
}

function toSigners(signer: ContextOptions['signer']): readonly Signer[] {
  if (Array.isArray(signer)) return signer as readonly Signer[];
  if ('sign' in (signer as object)) return [signer as Signer];
  return [createSigner(signer as { secretKey: Uint8Array; publicKey: Uint8Array; keyId: string })];
}
