/**
 * serialize: rendering a realistic context into a provider request, and
 * counting it with framing, against @vscode/prompt-tsx (which renders a
 * prompt element tree to OpenAI chat messages and counts them). Both sides use
 * the same tokenizer (@ctxpack/budget, o200k_base) so the figures compare the
 * rendering layers, not the BPE. Also: what each spotlighting mode costs in
 * tokens.
 *
 *   cd bench && node --conditions=@ctxpack/source --import tsx serialize-render.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { ContextBlock } from '@ctxpack/block';
import { createBlock } from '@ctxpack/block';
import { createTokenizer } from '@ctxpack/budget';
import type { SpotlightMode, Target } from '@ctxpack/serialize';
import { countRequestTokens, render, TARGETS } from '@ctxpack/serialize';
import { createNonce } from '@ctxpack/serialize/plan';
import type { PromptPiece } from '@vscode/prompt-tsx';
import {
  AssistantMessage,
  OutputMode,
  PromptElement,
  renderPrompt,
  SystemMessage,
  ToolMessage,
  UserMessage,
} from '@vscode/prompt-tsx';

const tokenizer = createTokenizer('o200k_base');
const tenant = 'acme';
const words = 'the quick brown fox jumps over a lazy dog while rain falls on Paris museums and cafés'.split(
  ' ',
);
const prose = (n: number, seed: number) => {
  let out = '';
  for (let i = 0; i < n; i++) out += `${words[(i * 7 + seed) % words.length]}${i % 13 === 12 ? '.\n' : ' '}`;
  return out;
};

function scenario(pairs: number, docs: number): ContextBlock[] {
  const blocks: ContextBlock[] = [
    createBlock({
      id: 'sys',
      kind: 'system',
      tenant,
      content: 'You are a travel assistant. Answer briefly.',
    }),
    createBlock({ id: 'u', kind: 'user', tenant, content: 'Plan my day in Paris.' }),
  ];
  for (let i = 0; i < pairs; i++) {
    const callId = `call_${i}`;
    blocks.push(
      createBlock({
        id: `c${i}`,
        kind: 'tool-call',
        tenant,
        content: JSON.stringify({ q: `item ${i}` }),
        source: { type: 'app', tool: 'search', callId },
      }),
      createBlock({
        id: `r${i}`,
        kind: 'tool-result',
        tenant,
        content: prose(180, i),
        source: { type: 'mcp', server: 'web', tool: 'search', callId },
      }),
    );
  }
  for (let i = 0; i < docs; i++) {
    blocks.push(
      createBlock({
        id: `d${i}`,
        kind: 'document',
        tenant,
        content: prose(350, i * 3),
        source: { type: 'retrieval', uri: `kb://doc/${i}` },
      }),
    );
  }
  return blocks;
}

// ---- prompt-tsx: the same conversation as a prompt element tree ----
declare const vscpp: (ctor: unknown, props: unknown, ...children: unknown[]) => unknown;
declare const vscppf: unknown;

function promptTsxFor(blocks: ContextBlock[]) {
  return class Prompt extends PromptElement {
    render(): PromptPiece {
      const children = blocks.map((b) => {
        if (b.kind === 'system') return vscpp(SystemMessage, { priority: 100 }, b.content);
        if (b.kind === 'user') return vscpp(UserMessage, { priority: 100 }, b.content);
        if (b.kind === 'tool-call') {
          const toolCalls = [
            {
              id: b.source.callId,
              type: 'function',
              function: { name: b.source.tool, arguments: b.content },
            },
          ];
          return vscpp(AssistantMessage, { priority: 50, toolCalls });
        }
        if (b.kind === 'tool-result')
          return vscpp(ToolMessage, { priority: 50, toolCallId: b.source.callId }, b.content);
        return vscpp(UserMessage, { priority: 10 }, b.content);
      });
      return vscpp(vscppf, null, ...children) as PromptPiece;
    }
  };
}

const tsxTokenizer = {
  mode: OutputMode.OpenAI as const,
  tokenLength: (part: { type: string; text?: string }) =>
    part.type === 'text' ? tokenizer.count(part.text ?? '') : 0,
  countMessageTokens: (message: { content?: unknown }) =>
    3 +
    tokenizer.count(
      typeof message.content === 'string' ? message.content : JSON.stringify(message.content ?? ''),
    ),
};

async function time(
  fn: () => unknown | Promise<unknown>,
  minMs = 400,
): Promise<{ msPerOp: number; runs: number }> {
  for (let i = 0; i < 3; i++) await fn();
  const samples: number[] = [];
  const start = performance.now();
  while (performance.now() - start < minMs || samples.length < 5) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { msPerOp: samples[Math.floor(samples.length / 2)] as number, runs: samples.length };
}

const results: Record<string, unknown> = { node: process.version, date: new Date().toISOString() };
const sizes = [
  { name: 'small (1 call, 2 docs)', pairs: 1, docs: 2 },
  { name: 'medium (20 calls, 10 docs)', pairs: 20, docs: 10 },
  { name: 'large (100 calls, 50 docs)', pairs: 100, docs: 50 },
];

const rows: string[] = [];
for (const size of sizes) {
  const blocks = scenario(size.pairs, size.docs);
  const nonce = createNonce(blocks.map((b) => b.content));
  const bytes = blocks.reduce((n, b) => n + b.content.length, 0);
  const ctx = await time(() => {
    const { request } = render(blocks, { target: 'openai-chat', tenant, nonce });
    return countRequestTokens(request, 'openai-chat', tokenizer);
  });
  const Prompt = promptTsxFor(blocks);
  const tsx = await time(() =>
    renderPrompt(Prompt as never, {}, { modelMaxPromptTokens: 10_000_000 }, tsxTokenizer as never),
  );
  const perTarget: Record<string, number> = {};
  for (const target of TARGETS) {
    perTarget[target] = (await time(() => render(blocks, { target, tenant, nonce }), 200)).msPerOp;
  }
  const ratio = tsx.msPerOp / ctx.msPerOp;
  results[size.name] = {
    blocks: blocks.length,
    chars: bytes,
    ctxpackRenderAndCountMs: ctx.msPerOp,
    promptTsxRenderPromptMs: tsx.msPerOp,
    ratio,
    renderOnlyMs: perTarget,
  };
  rows.push(
    `| ${size.name} | ${blocks.length} | ${(bytes / 1024).toFixed(0)} KiB | ${ctx.msPerOp.toFixed(3)} | ${tsx.msPerOp.toFixed(3)} | ${ratio.toFixed(1)}× | ${TARGETS.map((t) => (perTarget[t] as number).toFixed(3)).join(' / ')} |`,
  );
}

console.log(
  'render + count (openai-chat) vs @vscode/prompt-tsx renderPrompt, same tokenizer; median ms per request',
);
console.log(
  '| context | blocks | content | ctxpack render+count ms | prompt-tsx renderPrompt ms | prompt-tsx / ctxpack | ctxpack render only ms (' +
    TARGETS.join(' / ') +
    ') |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);

// ---- spotlighting: tokens each mode adds to a 2 KiB English document ----
const doc = createBlock({
  id: 'd',
  kind: 'document',
  tenant,
  content: prose(350, 1),
  source: { type: 'retrieval', uri: 'kb://doc' },
});
const user = createBlock({ id: 'u', kind: 'user', tenant, content: 'Summarize.' });
const nonce = createNonce([doc.content]);
const count = (target: Target, mode: SpotlightMode | undefined) =>
  countRequestTokens(
    render(mode === undefined ? [user] : [user, doc], {
      target,
      tenant,
      nonce,
      ...(mode ? { spotlight: mode } : {}),
    }).request,
    target,
    tokenizer,
  );
const raw = tokenizer.count(doc.content);
const spot: Record<string, unknown> = { contentTokens: raw };
console.log(
  `\nspotlighting cost, openai-chat, o200k_base: a ${doc.content.length}-char document of ${raw} tokens`,
);
console.log('| mode | request tokens | added vs content alone | × content |');
console.log('|---|---|---|---|');
const base = count('openai-chat', undefined);
for (const mode of ['delimit', 'datamark', 'encode'] as const) {
  const n = count('openai-chat', mode);
  const added = n - base - raw;
  spot[mode] = { requestTokens: n, addedTokens: added, factor: (n - base) / raw };
  console.log(
    `| ${mode} | ${n} | ${added} (preamble, boundary, marking) | ${((n - base) / raw).toFixed(2)} |`,
  );
}
results['spotlighting'] = spot;

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/serialize-render.json', import.meta.url),
  `${JSON.stringify(results, null, 2)}\n`,
);
