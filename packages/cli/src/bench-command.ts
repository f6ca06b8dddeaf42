import { isRecord } from '@ctxpack/block/kernel';
import {
  CtxpackError,
  createContext,
  createTokenizer,
  fit,
  generateKeyPair,
  IMPORT_TARGETS,
  type ImportTarget,
  importRequest,
} from 'ctxpack';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { createPaint, formatTable, visible } from './cli-io.js';
import { FIT_FRAMING, type FitCell, fitRatio, measureFit, type PeerFitCell } from './fit-harness.js';
import { FIT_PEER_NAMES, type FitMessage, loadFitPeers } from './fit-peers.js';
import { expectPositionals, parseCommandArgs } from './parse-command-args.js';
import { parseJsonInput, readInput } from './read-input.js';

export const BENCH_HELP: string = `Usage: ctxpack bench <file> [--budgets 8k,32k,128k] [--encoding o200k_base,cl100k_base]
                     [--target t] [--reserve n] [--runs n] [--json]

Fits a request to each budget with ctxpack (importRequest, then assemble:
sanitize, fit, render, sign) and, where they are installed, with peers on the
same messages: gpt-tokenizer (a re-count loop), @vscode/prompt-tsx,
LangChain trimMessages, @impowering/priompt. Prints fit time cold (the first
call in this process) and warm (median of the next --runs calls), tokens
kept, blocks kept/cut/dropped from assemble's report, and each peer's warm
time ÷ ctxpack's (above 1×, ctxpack is faster). A peer that is not installed
is reported as 'not installed'.

<file> is a provider request body (OpenAI chat, OpenAI responses, Anthropic
messages, AI SDK messages; detected, or --target) or a saved ctxpack payload
(its request is imported as a body of its target).

Options:
  --budgets list   token budgets (maxTokens), k = 1,000, m = 1,000,000; default 8k,32k,128k
  --encoding list  o200k_base, cl100k_base; default o200k_base
  --target t       the body's format: ${IMPORT_TARGETS.join(', ')}
  --reserve n      reserveOutput for assemble (default 0)
  --runs n         warm runs per contender (default 5, 1..100)
  --json           one JSON document (for CI)
  -h, --help       show this help`;

const ENCODINGS = ['o200k_base', 'cl100k_base'] as const;
type Encoding = (typeof ENCODINGS)[number];
const MAX_BUDGETS = 16;
const MAX_BUDGET = 10_000_000;
/** The row of ctxpack's `fit` alone, on the peers' terms. */
const FIT_ONLY = "ctxpack fit (peers' terms)";
const TRUST_RANK: Record<string, number> = { untrusted: 0, user: 1, trusted: 2 };

/** `ctxpack bench`: truncation cost on the user's own request, ctxpack vs the installed peers. */
export async function runBench(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('bench', args, {
    budgets: { type: 'string' },
    encoding: { type: 'string' },
    target: { type: 'string' },
    reserve: { type: 'string' },
    runs: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) {
    io.stdout.write(`${BENCH_HELP}\n`);
    return 0;
  }
  expectPositionals('bench', positionals, ['file']);
  const file = positionals[0] as string;
  const budgets = parseBudgets((values['budgets'] as string | undefined) ?? '8k,32k,128k');
  const encodings = parseEncodings((values['encoding'] as string | undefined) ?? 'o200k_base');
  const reserve = parseInteger(values['reserve'] as string | undefined, '--reserve', 0, 0, MAX_BUDGET);
  const runs = parseInteger(values['runs'] as string | undefined, '--runs', 5, 1, 100);
  const forced = values['target'] as string | undefined;
  if (forced !== undefined && !IMPORT_TARGETS.includes(forced as ImportTarget)) {
    throw usage(`--target must be one of ${IMPORT_TARGETS.join(', ')}, not '${visible(forced, 40)}'`);
  }
  for (const b of budgets) {
    if (b <= reserve) throw usage(`every budget must be above --reserve (${reserve}); ${b} is not`);
  }

  const json = parseJsonInput(await readInput(io, file, 'bench'), file, 'a provider request body or payload');
  const { target, body, fromPayload } = resolveBody(json, file, forced as ImportTarget | undefined);
  let imported: ReturnType<typeof importRequest>;
  try {
    imported = importRequest(target, body);
  } catch (cause) {
    if (!CtxpackError.isInstance(cause)) throw cause;
    throw new CliError({
      code: 'cli_input',
      message: `${file} cannot be imported as a ${target} body (${cause.message}); pass --target if it is another format.`,
      cause,
    });
  }
  if (imported.blocks.length === 0) {
    throw new CliError({ code: 'cli_input', message: `${file} has no messages to fit.` });
  }

  const signer = generateKeyPair();
  const report = {
    file,
    target,
    fromPayload,
    blocks: imported.blocks.length,
    reserveOutput: reserve,
    warmRuns: runs,
    encodings: [] as {
      encoding: Encoding;
      loadMs: number;
      peerCounter: string;
      peerVersions: Record<string, string>;
      cells: FitCell[];
    }[],
  };
  for (const encoding of encodings) {
    const t0 = performance.now();
    const tokenizer = createTokenizer(encoding);
    tokenizer.count('warm the rank table');
    const loadMs = performance.now() - t0;
    const ctx = createContext({ tenant: 'bench', signer, encoding });
    for (const block of imported.blocks) ctx.add(block);
    // Peers get the blocks as messages with ctxpack's pinning and its eviction
    // order (priority, then trust: untrusted first, then recency).
    const blocks = ctx.blocks;
    const messages: FitMessage[] = blocks.map((b, i) => ({
      text: b.content,
      pinned: b.pinned,
      priority: b.priority * 1e9 + (TRUST_RANK[b.trust] ?? 0) * 1e6 + i,
    }));
    const slots = await loadFitPeers({ encoding, fallbackCount: (t) => tokenizer.count(t) });
    const peerVersions: Record<string, string> = {};
    let peerCounter = 'ctxpack';
    for (const s of slots) {
      if (s.status !== 'ready') continue;
      peerVersions[s.name] = s.peer.version;
      if (s.name !== '@impowering/priompt') peerCounter = s.peer.counter;
    }
    const cells: FitCell[] = [];
    for (const budget of budgets) {
      const cell: FitCell = { budget, ctxpack: { status: 'error', code: '', message: '' }, peers: {} };
      let ours: { coldMs: number; warmMs: number | null } | undefined;
      try {
        const t = await measureFit(
          () =>
            ctx.assemble({
              target,
              maxTokens: budget,
              reserveOutput: reserve,
              params: imported.params,
              seed: 'ctxpack-bench',
            }),
          { warmRuns: runs, skipWarmAfterMs: 30_000 },
        );
        const statuses = t.result.report.blocks.map((b) => b.status);
        cell.ctxpack = {
          coldMs: round(t.coldMs),
          warmMs: t.warmMs === null ? null : round(t.warmMs),
          tokens: t.result.report.requestTokens,
          kept: statuses.filter((s) => s === 'kept').length,
          truncated: statuses.filter((s) => s === 'truncated').length,
          dropped: statuses.filter((s) => s === 'dropped').length,
        };
        ours = t;
      } catch (cause) {
        if (!CtxpackError.isInstance(cause)) throw cause;
        cell.ctxpack = { status: 'error', code: cause.code, message: cause.message.slice(0, 300) };
      }
      let fitOnly: { coldMs: number; warmMs: number | null } | undefined;
      // ctxpack's fit alone on the peers' terms (whole messages, the same framing, its own tokenizer):
      // the fit cost without sanitize, render and sign.
      try {
        const items = messages.map((m, i) => ({
          id: `m${i}`,
          text: m.text,
          priority: m.priority,
          pinned: m.pinned === true,
          truncate: 'none' as const,
          overheadTokens: FIT_FRAMING.perMessage,
        }));
        const t = await measureFit(
          () => fit(items, { tokenizer, maxTokens: budget - reserve, baseTokens: FIT_FRAMING.priming }),
          { warmRuns: runs, skipWarmAfterMs: 10_000 },
        );
        fitOnly = t;
        cell.peers[FIT_ONLY] = {
          status: 'ok',
          coldMs: round(t.coldMs),
          warmMs: t.warmMs === null ? null : round(t.warmMs),
          tokens: t.result.report.used,
          kept: t.result.items.filter((r) => r.status !== 'dropped').length,
          messages: messages.length,
          ratio: ours === undefined ? null : fitRatio(t, ours),
        };
      } catch (cause) {
        if (!CtxpackError.isInstance(cause)) throw cause;
        cell.peers[FIT_ONLY] = { status: 'error', message: `${cause.code}: ${cause.message.slice(0, 200)}` };
      }
      for (const slot of slots) {
        if (slot.status !== 'ready') {
          cell.peers[slot.name] = { status: 'not installed', reason: slot.reason };
          continue;
        }
        let peerCell: PeerFitCell;
        try {
          const t = await measureFit(() => slot.peer.run(messages, budget - reserve), {
            warmRuns: runs,
            skipWarmAfterMs: 10_000,
          });
          peerCell = {
            status: 'ok',
            coldMs: round(t.coldMs),
            warmMs: t.warmMs === null ? null : round(t.warmMs),
            tokens: t.result.tokens,
            kept: t.result.kept,
            messages: messages.length,
            ratio: ours === undefined ? null : fitRatio(t, ours),
            ratioToFit: fitOnly === undefined ? null : fitRatio(t, fitOnly),
          };
        } catch (cause) {
          // A peer's own failure (prompt-tsx throws when pinned text exceeds the budget) is its result.
          peerCell = {
            status: 'error',
            message: (cause instanceof Error ? cause.message : String(cause)).slice(0, 300),
          };
        }
        cell.peers[slot.name] = peerCell;
      }
      cells.push(cell);
    }
    report.encodings.push({ encoding, loadMs: round(loadMs), peerCounter, peerVersions, cells });
  }

  if (values['json'] === true) {
    io.stdout.write(`${JSON.stringify({ node: process.version, ...report }, null, 2)}\n`);
    return 0;
  }
  const paint = createPaint(io);
  io.stdout.write(
    `${paint('bold', visible(file))}: ${target}${fromPayload ? ' (from a payload)' : ''} · ${report.blocks} blocks · ` +
      `reserve ${reserve} · warm = median of ${runs}\n`,
  );
  for (const e of report.encodings) {
    io.stdout.write(
      `\n${paint('bold', e.encoding)} (rank table ${e.loadMs} ms) · peers count with ${e.peerCounter}` +
        `${Object.keys(e.peerVersions).length > 0 ? ` · ${Object.values(e.peerVersions).join(', ')}` : ''}\n`,
    );
    const rows: string[][] = [];
    for (const c of e.cells) {
      const o = c.ctxpack;
      rows.push(
        'status' in o
          ? [label(c.budget), 'ctxpack assemble', '', '', '', `error: ${o.code}`, '', '']
          : [
              label(c.budget),
              'ctxpack assemble',
              ms(o.coldMs),
              ms(o.warmMs),
              String(o.tokens),
              `${o.kept}/${o.truncated}/${o.dropped} blocks`,
              '1×',
              '',
            ],
      );
      for (const name of [FIT_ONLY, ...FIT_PEER_NAMES]) {
        const p = c.peers[name];
        if (p === undefined) continue;
        if (p.status === 'ok') {
          rows.push([
            '',
            name,
            ms(p.coldMs),
            ms(p.warmMs),
            String(p.tokens),
            `${p.kept}/${p.messages} messages`,
            p.ratio === null ? '' : `${p.ratio}×`,
            p.ratioToFit === undefined || p.ratioToFit === null ? '' : `${p.ratioToFit}×`,
          ]);
        } else if (p.status === 'not installed') rows.push(['', name, 'not installed', '', '', '', '', '']);
        else rows.push(['', name, `error: ${visible(p.message, 60)}`, '', '', '', '', '']);
      }
    }
    const [header, rule, ...body] = formatTable(
      ['budget', 'contender', 'cold ms', 'warm ms', 'tokens', 'kept/cut/dropped', '÷ assemble', '÷ fit'],
      rows,
    );
    io.stdout.write(`${paint('bold', header ?? '')}\n${rule}\n${body.join('\n')}\n`);
  }
  io.stdout.write(
    '\nctxpack assemble is the whole pipeline (sanitize, fit, render, sign) and may cut a block; peers and\n' +
      "'ctxpack fit (peers' terms)' only fit whole messages with the cookbook framing. " +
      "÷ assemble, ÷ fit = warm ms ÷ that ctxpack row's warm ms (above 1×, ctxpack is faster).\n",
  );
  return 0;
}

function usage(message: string): CliError {
  return new CliError({ code: 'cli_usage', message: `${message}. Run 'ctxpack bench --help' for usage.` });
}

/** `8k,32k,128k` → [8000, 32000, 128000]; k = 1,000, m = 1,000,000. */
export function parseBudgets(text: string): number[] {
  const parts = text.split(',');
  if (parts.length > MAX_BUDGETS) throw usage(`--budgets takes at most ${MAX_BUDGETS} budgets`);
  return parts.map((raw) => {
    const s = raw.trim().toLowerCase();
    const unit = s.endsWith('k') ? 1000 : s.endsWith('m') ? 1_000_000 : 1;
    const digits = unit === 1 ? s : s.slice(0, -1);
    const n = /^[0-9]{1,9}(\.[0-9]{1,3})?$/.test(digits) ? Math.round(Number(digits) * unit) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_BUDGET) {
      throw usage(
        `--budgets: '${visible(raw, 20)}' is not a budget (a number of tokens like 8000 or 8k, up to 10m)`,
      );
    }
    return n;
  });
}

function parseEncodings(text: string): Encoding[] {
  const list = text.split(',').map((s) => s.trim());
  const out: Encoding[] = [];
  for (const e of list) {
    if (!ENCODINGS.includes(e as Encoding)) {
      throw usage(`--encoding: '${visible(e, 40)}' is not one of ${ENCODINGS.join(', ')}`);
    }
    if (!out.includes(e as Encoding)) out.push(e as Encoding);
  }
  return out;
}

function parseInteger(
  text: string | undefined,
  flag: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const n = /^[0-9]{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) throw usage(`${flag} must be an integer from ${min} to ${max}`);
  return n;
}

/** A payload's request, or the body itself; the format from --target or detected from the body's shape. */
function resolveBody(
  json: unknown,
  file: string,
  forced: ImportTarget | undefined,
): { target: ImportTarget; body: unknown; fromPayload: boolean } {
  if (isRecord(json) && typeof json['schema'] === 'string' && isRecord(json['request'])) {
    const target = json['target'];
    if (!IMPORT_TARGETS.includes(target as ImportTarget)) {
      throw new CliError({
        code: 'cli_input',
        message: `${file} is a payload for target '${visible(String(target), 40)}'; bench imports ${IMPORT_TARGETS.join(', ')} requests.`,
      });
    }
    return { target: forced ?? (target as ImportTarget), body: json['request'], fromPayload: true };
  }
  return { target: forced ?? detectTarget(json, file), body: json, fromPayload: false };
}

/** The body format from fields only one format has; plain role/content messages read as OpenAI chat. */
function detectTarget(json: unknown, file: string): ImportTarget {
  if (Array.isArray(json)) return 'ai-sdk';
  if (!isRecord(json)) {
    throw new CliError({
      code: 'cli_input',
      message: `${file} is not a request body (a JSON object or array).`,
    });
  }
  if ('input' in json || 'instructions' in json) return 'openai-responses';
  const messages = json['messages'];
  if (!Array.isArray(messages)) {
    throw new CliError({
      code: 'cli_input',
      message: `${file} has no "messages" (or "input") array; pass a request body or a ctxpack payload.`,
    });
  }
  let partTypes = '';
  for (const m of messages.slice(0, 10_000)) {
    if (!isRecord(m)) continue;
    if (m['role'] === 'tool' || m['role'] === 'developer' || 'tool_calls' in m) return 'openai-chat';
    if (Array.isArray(m['content'])) {
      for (const p of m['content'].slice(0, 100)) if (isRecord(p)) partTypes += ` ${String(p['type'])}`;
    }
  }
  if (/ (tool-call|tool-result)\b/.test(partTypes)) return 'ai-sdk';
  if ('system' in json || / (tool_use|tool_result)\b/.test(partTypes)) return 'anthropic';
  if (messages.some((m) => isRecord(m) && m['role'] === 'system')) return 'openai-chat';
  return 'max_tokens' in json && !('model' in json && /^gpt|^o[0-9]/.test(String(json['model'])))
    ? 'anthropic'
    : 'openai-chat';
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function ms(x: number | null): string {
  return x === null ? '–' : String(x);
}

function label(budget: number): string {
  return budget % 1_000_000 === 0
    ? `${budget / 1_000_000}m`
    : budget % 1000 === 0
      ? `${budget / 1000}k`
      : String(budget);
}
