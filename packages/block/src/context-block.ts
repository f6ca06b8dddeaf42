/** What a block is. Independent of who wrote it (see {@link Trust}). */
export type BlockKind =
  | 'system'
  | 'instructions'
  | 'user'
  | 'assistant'
  | 'tool-call'
  | 'tool-result'
  | 'tool-definition'
  | 'document'
  | 'memory'
  | 'example';

/**
 * Who authored a block: `trusted` is the application's own text, `user` the end
 * user's, `untrusted` third-party data (tool output, web pages, retrieved
 * documents, tool descriptions from external servers).
 */
export type Trust = 'trusted' | 'user' | 'untrusted';

/** How a block may be cut to fit a budget: `tail` keeps the start, `head` the end, `middle` both ends, `none` drops it whole. */
export type TruncationStrategy = 'tail' | 'head' | 'middle' | 'none';

/** Where a block came from. */
export interface BlockSource {
  /** e.g. `app`, `user`, `mcp`, `plugin`, `web`, `retrieval`, `memory`. */
  type: string;
  name?: string;
  uri?: string;
  /** MCP server name. */
  server?: string;
  /** Tool name, for tool calls, results and definitions. */
  tool?: string;
  /** Pairs a tool call with its result. */
  callId?: string;
}

/** A character range `[start, end)` in UTF-16 code units. */
export interface TextRange {
  start: number;
  end: number;
}

/** One step that derived a block from its parent: `sanitize`, `truncate`, `redact`, … */
export interface Transform {
  kind: string;
  params?: Record<string, unknown>;
  /** Ranges of the parent's content that the transform removed or changed. */
  ranges?: TextRange[];
}

/** A typed unit of context: data plus who vouches for it. */
export interface ContextBlock {
  id: string;
  kind: BlockKind;
  trust: Trust;
  content: string;
  source: BlockSource;
  tenant: string;
  labels: string[];
  /** RFC 3339, UTC (`Z`). */
  createdAt: string;
  /** `sha256:` + hex of the UTF-8 content bytes, once computed. */
  digest?: string;
  /** Digests of the blocks this one was derived from. */
  parents: string[];
  transforms: Transform[];
  /** Higher is kept first when the budget is short. */
  priority: number;
  /** Never truncated or dropped by the budget. */
  pinned: boolean;
  minTokens?: number;
  maxTokens?: number;
  truncate: TruncationStrategy;
  /** Blocks sharing a group are kept or dropped together. */
  group?: string;
  meta: Record<string, unknown>;
}

/** Input accepted by `parseBlock` and `createBlock`: defaults may be left out. */
export interface ContextBlockInput {
  id?: string;
  kind: BlockKind;
  trust?: Trust;
  content: string;
  source?: BlockSource;
  tenant: string;
  labels?: string[];
  createdAt?: string;
  digest?: string;
  parents?: string[];
  transforms?: Transform[];
  priority?: number;
  pinned?: boolean;
  minTokens?: number;
  maxTokens?: number;
  truncate?: TruncationStrategy;
  group?: string;
  meta?: Record<string, unknown>;
}

export const BLOCK_KINDS: readonly BlockKind[] = Object.freeze([
  'system',
  'instructions',
  'user',
  'assistant',
  'tool-call',
  'tool-result',
  'tool-definition',
  'document',
  'memory',
  'example',
]);

export const TRUST_LEVELS: readonly Trust[] = Object.freeze(['trusted', 'user', 'untrusted']);

/**
 * The trust a block gets when none is given: the application's own kinds are
 * trusted, the user's are `user`, everything else is third-party data.
 */
export function defaultTrust(kind: BlockKind): Trust {
  switch (kind) {
    case 'system':
    case 'instructions':
    case 'example':
    case 'assistant':
    case 'tool-call':
      return 'trusted';
    case 'user':
      return 'user';
    default:
      return 'untrusted';
  }
}
