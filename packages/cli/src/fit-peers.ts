import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from 'ctxpack';
import { FIT_FRAMING } from './fit-harness.js';

/**
 * Peer adapters for the fit harness: the same fit (keep the most important
 * messages within a token budget) done by other libraries, each loaded with
 * a dynamic `import()` so that a peer that is not installed is reported as
 * such, never a crash. Peers resolve from where @ctxpack/cli is installed
 * (a project's node_modules); none is a dependency of the CLI.
 */

export type FitPeerName =
  | 'gpt-tokenizer'
  | '@vscode/prompt-tsx'
  | 'LangChain trimMessages'
  | '@impowering/priompt';

/** The peers the harness knows, in the order they are reported. */
export const FIT_PEER_NAMES: readonly FitPeerName[] = Object.freeze([
  'gpt-tokenizer',
  '@vscode/prompt-tsx',
  'LangChain trimMessages',
  '@impowering/priompt',
]);

/** One message as every peer gets it. */
export interface FitMessage {
  text: string;
  /** Higher is kept first. */
  priority: number;
  /** Always kept (system text); peers get it as a system message or their highest priority. */
  pinned?: boolean;
}

export interface PeerFitResult {
  /** Tokens of what was kept, framing included, as this peer counts them. */
  tokens: number;
  /** Messages kept. */
  kept: number;
}

export interface FitPeer {
  name: FitPeerName;
  /** The package and its installed version, e.g. `gpt-tokenizer 4.0.0`. */
  version: string;
  /** What the peer counts with (`gpt-tokenizer 4.0.0`, `ctxpack`, or its own tokenizer). */
  counter: string;
  run(messages: readonly FitMessage[], budget: number): Promise<PeerFitResult>;
}

export type FitPeerSlot =
  | { name: FitPeerName; status: 'ready'; peer: FitPeer }
  | { name: FitPeerName; status: 'not installed'; reason: string };

export interface LoadFitPeersOptions {
  encoding: 'o200k_base' | 'cl100k_base';
  /** Counter for peers when gpt-tokenizer is not installed (ctxpack's tokenizer). */
  fallbackCount: (text: string) => number;
  /** Which peers; default all of {@link FIT_PEER_NAMES}. */
  names?: readonly FitPeerName[];
  /**
   * Loads a peer module: pass `(s) => import(s)` to resolve peers from the caller's own
   * dependencies (a bench's); default: from where @ctxpack/cli is installed.
   */
  importer?: (specifier: string) => Promise<unknown>;
}

type Count = (text: string) => number;
type Loaded = Record<string, unknown>;
const ENCODINGS = ['o200k_base', 'cl100k_base'] as const;

/**
 * Loads the fit peers that are installed; the others come back as
 * `not installed` with the import error. Peers count with gpt-tokenizer when
 * it is installed (the fastest exact JS counter), else with `fallbackCount`;
 * priompt uses its own native tiktoken.
 *
 * @example
 * const slots = await loadFitPeers({ encoding: 'o200k_base', fallbackCount: (t) => tokenizer.count(t) });
 * for (const s of slots) if (s.status === 'ready') console.log(s.name, await s.peer.run(messages, 8000));
 */
export async function loadFitPeers(options: LoadFitPeersOptions): Promise<FitPeerSlot[]> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({ path: 'options', expected: 'an object', value: options });
  }
  const { encoding, fallbackCount } = options;
  if (!ENCODINGS.includes(encoding)) {
    throw new InvalidArgumentError({
      path: 'options.encoding',
      expected: ENCODINGS.join(' or '),
      value: encoding,
    });
  }
  if (typeof fallbackCount !== 'function') {
    throw new InvalidArgumentError({
      path: 'options.fallbackCount',
      expected: 'a function (text) => number',
      value: fallbackCount,
    });
  }
  const names = options.names ?? FIT_PEER_NAMES;
  if (!Array.isArray(names) || names.some((n) => !FIT_PEER_NAMES.includes(n as FitPeerName))) {
    throw new InvalidArgumentError({
      path: 'options.names',
      expected: `a list of ${FIT_PEER_NAMES.join(', ')}`,
      value: names,
    });
  }
  const importer = options.importer ?? ((specifier: string) => import(specifier));
  if (typeof importer !== 'function') {
    throw new InvalidArgumentError({
      path: 'options.importer',
      expected: 'a function (specifier) => Promise<module>',
      value: importer,
    });
  }
  let count: Count = fallbackCount;
  let counter = 'ctxpack';
  const tryImport = async (specifier: string): Promise<Imported> => {
    try {
      const module = await importer(specifier);
      if (typeof module !== 'object' || module === null)
        return { ok: false, reason: `${specifier}: not a module` };
      return { ok: true, module: module as Loaded };
    } catch (cause) {
      return { ok: false, reason: firstLine(cause) };
    }
  };
  /** Throws the import's reason, so the slot says why the peer is absent. */
  const need = async (specifier: string): Promise<Loaded> => {
    const r = await tryImport(specifier);
    if (!r.ok) throw new Error(`not installed (${r.reason})`);
    return r.module;
  };
  const gpt = await tryImport(`gpt-tokenizer/encoding/${encoding}`);
  if (gpt.ok && typeof gpt.module['countTokens'] === 'function') {
    count = gpt.module['countTokens'] as Count;
    counter = `gpt-tokenizer ${versionOf('gpt-tokenizer')}`;
  }
  const slots: FitPeerSlot[] = [];
  for (const name of names as readonly FitPeerName[]) {
    try {
      const peer = await loaders[name]({ encoding, count, counter, gpt, need });
      slots.push(peer === undefined ? missing(name, 'not installed') : { name, status: 'ready', peer });
    } catch (cause) {
      slots.push(missing(name, firstLine(cause)));
    }
  }
  return slots;
}

function missing(name: FitPeerName, reason: string): FitPeerSlot {
  return { name, status: 'not installed', reason };
}

interface LoaderInput {
  encoding: 'o200k_base' | 'cl100k_base';
  count: Count;
  counter: string;
  gpt: Imported;
  need: (specifier: string) => Promise<Loaded>;
}

type Imported = { ok: true; module: Loaded } | { ok: false; reason: string };

const { perMessage, priming } = FIT_FRAMING;

/** Pinned first, then by priority, highest first; ties in input order. */
function byImportance(messages: readonly FitMessage[]): FitMessage[] {
  return messages
    .map((m, i) => ({ m, i }))
    .sort(
      (a, b) =>
        Number(b.m.pinned === true) - Number(a.m.pinned === true) || b.m.priority - a.m.priority || a.i - b.i,
    )
    .map((x) => x.m);
}

const loaders: Record<FitPeerName, (input: LoaderInput) => Promise<FitPeer | undefined>> = {
  // gpt-tokenizer has counting, not fitting: the loop every app writes with it
  // (add messages by importance, re-count the whole prompt, stop at the budget).
  'gpt-tokenizer': async ({ gpt, count, counter }) => {
    if (!gpt.ok) throw new Error(`not installed (${gpt.reason})`);
    return {
      name: 'gpt-tokenizer',
      version: `gpt-tokenizer ${versionOf('gpt-tokenizer')}`,
      counter,
      run: async (messages, budget) => {
        const kept: FitMessage[] = [];
        let used = priming;
        for (const m of byImportance(messages)) {
          kept.push(m);
          let total = priming;
          for (const k of kept) total += perMessage + count(k.text);
          if (total > budget) {
            kept.pop();
            break;
          }
          used = total;
        }
        return { tokens: used, kept: kept.length };
      },
    };
  },
  '@vscode/prompt-tsx': async ({ count, counter, need }) => {
    const tsx = await need('@vscode/prompt-tsx');
    // The JSX factory (vscpp/vscppf globals) is installed by this module.
    await need('@vscode/prompt-tsx/dist/base/tsx.js');
    const { OutputMode, PromptElement, renderPrompt, UserMessage, SystemMessage } = tsx as {
      OutputMode: { Raw: unknown };
      PromptElement: new (...a: unknown[]) => object;
      renderPrompt: (...a: unknown[]) => Promise<{ tokenCount: number; messages: unknown[] }>;
      UserMessage: unknown;
      SystemMessage: unknown;
    };
    const g = globalThis as unknown as { vscpp: (...a: unknown[]) => unknown; vscppf: unknown };
    class Prompt extends PromptElement {
      declare props: { messages: readonly FitMessage[] };
      render(): unknown {
        return g.vscpp(
          g.vscppf,
          null,
          ...this.props.messages.map((m) =>
            m.pinned === true
              ? g.vscpp(SystemMessage, { priority: Number.MAX_SAFE_INTEGER }, m.text)
              : g.vscpp(UserMessage, { priority: m.priority }, m.text),
          ),
        );
      }
    }
    const tokenizer = {
      mode: OutputMode.Raw,
      tokenLength: (part: { text?: string }) => (part.text === undefined ? 0 : count(part.text)),
      countMessageTokens: (m: { content: { text?: string }[] }) =>
        perMessage + m.content.reduce((s, p) => s + (p.text === undefined ? 0 : count(p.text)), 0),
    };
    return {
      name: '@vscode/prompt-tsx',
      version: `@vscode/prompt-tsx ${versionOf('@vscode/prompt-tsx')}`,
      counter,
      run: async (messages, budget) => {
        const result = await renderPrompt(Prompt, { messages }, { modelMaxPromptTokens: budget }, tokenizer);
        return { tokens: result.tokenCount, kept: result.messages.length };
      },
    };
  },
  'LangChain trimMessages': async ({ count, counter, need }) => {
    const lc = await need('@langchain/core/messages');
    const { HumanMessage, SystemMessage, trimMessages } = lc as {
      HumanMessage: new (text: string) => { content: unknown };
      SystemMessage: new (text: string) => { content: unknown };
      trimMessages: (
        messages: unknown[],
        options: Record<string, unknown>,
      ) => Promise<{ content: unknown }[]>;
    };
    const tokens = (ms: readonly { content: unknown }[]) =>
      ms.reduce((s, m) => s + perMessage + count(String(m.content)), 0);
    return {
      name: 'LangChain trimMessages',
      version: `@langchain/core ${versionOf('@langchain/core')}`,
      counter,
      run: async (messages, budget) => {
        // No priorities in LangChain: sort ascending so strategy "last" keeps the most important;
        // pinned text goes first as one system message, which includeSystem keeps.
        const pinned = messages.filter((m) => m.pinned === true).map((m) => m.text);
        const rest = [...byImportance(messages.filter((m) => m.pinned !== true))].reverse();
        const list = [
          ...(pinned.length > 0 ? [new SystemMessage(pinned.join('\n\n'))] : []),
          ...rest.map((m) => new HumanMessage(m.text)),
        ];
        const kept = await trimMessages(list, {
          maxTokens: budget - priming,
          strategy: 'last',
          includeSystem: pinned.length > 0,
          tokenCounter: tokens,
        });
        const keptMessages =
          pinned.length > 0 && kept.length > 0 ? kept.length - 1 + pinned.length : kept.length;
        return { tokens: tokens(kept) + priming, kept: keptMessages };
      },
    };
  },
  '@impowering/priompt': async ({ encoding, need }) => {
    const priompt = await need('@impowering/priompt');
    const tokenizers = await need('@impowering/priompt/dist/tokenizer.js');
    const own = tokenizers[encoding === 'o200k_base' ? 'O200K' : 'CL100K'];
    const P = priompt as {
      createElement: (...a: unknown[]) => unknown;
      render: (el: unknown, o: Record<string, unknown>) => Promise<{ tokenCount: number; prompt: unknown }>;
      UserMessage: unknown;
      SystemMessage: unknown;
      Fragment: unknown;
    };
    return {
      name: '@impowering/priompt',
      version: `@impowering/priompt ${versionOf('@impowering/priompt')}`,
      counter: 'its own native tiktoken',
      run: async (messages, budget) => {
        const children = messages.map((m) =>
          m.pinned === true
            ? P.createElement(P.SystemMessage, null, m.text)
            : P.createElement('scope', { p: m.priority }, P.createElement(P.UserMessage, null, m.text)),
        );
        const out = await P.render(P.createElement(P.Fragment, null, ...children), {
          tokenLimit: budget,
          tokenizer: own,
        });
        const prompt = out.prompt as { messages?: unknown[] };
        return { tokens: out.tokenCount, kept: Array.isArray(prompt.messages) ? prompt.messages.length : 0 };
      },
    };
  },
};

/** The installed version of a package, read from its package.json next to the resolved entry. */
function versionOf(name: string): string {
  try {
    const entry = fileURLToPath(import.meta.resolve(name));
    for (let dir = dirname(entry), i = 0; i < 8; dir = dirname(dir), i++) {
      try {
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (manifest.name === name && typeof manifest.version === 'string') return manifest.version;
      } catch {
        // no package.json at this level: go up
      }
    }
  } catch {
    // not resolvable from here
  }
  return '(version unknown)';
}

function firstLine(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  return (text.split('\n')[0] ?? '').slice(0, 200);
}
