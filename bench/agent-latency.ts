// Added latency of ctxpack in an agent loop, per request: the guarded fetch
// (createGuardedFetch: import, sanitize, fit, sign the whole body) and the AI
// SDK middleware (ctxpackMiddleware: transformParams on the prompt, then its
// fetch signing the wire body), against a plain fetch that does nothing, on
// OpenAI chat conversations of about 1k, 32k and 128k tokens (o200k_base);
// and the prefix-cache share of a 10-step loop with and without sessionKey.
// No network: the underlying fetch answers at once, so what is measured is
// what ctxpack adds.
//
//   cd bench && node --conditions=@ctxpack/source --import tsx agent-latency.ts [--quick]
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ctxpackMiddleware } from '@ctxpack/ai-sdk';
import { createTokenizer } from '@ctxpack/budget';
import { createGuardedFetch, generateKeyPair } from 'ctxpack';
import { prefixShare, runLoop } from '../test/support/loopback-loop.js';

// The middleware's own parameter types, so the bench needs no @ai-sdk/provider import.
type TransformOptions = Parameters<NonNullable<ReturnType<typeof ctxpackMiddleware>['transformParams']>>[0];
type LanguageModelV4CallOptions = TransformOptions['params'];
type LanguageModelV4Prompt = LanguageModelV4CallOptions['prompt'];
type LanguageModelV4 = TransformOptions['model'];

const quick = process.argv.includes('--quick');
const keys = generateKeyPair();
const tokenizer = createTokenizer('o200k_base');
const PROSE =
  'The committee reviewed the quarterly figures, noted a rise in shipping costs, and asked the regional teams for a revised forecast before the next meeting. ';
const URL_CHAT = 'https://api.openai.com/v1/chat/completions';

/** An OpenAI chat body of about `tokens` tokens: system, user, then tool call/result pairs. */
function conversation(tokens: number): { body: string; prompt: LanguageModelV4Prompt; tokens: number } {
  const perResult = Math.max(50, Math.floor(tokens / 8));
  const result = PROSE.repeat(Math.ceil(perResult / 28)).slice(0, perResult * 4);
  const pairs = Math.max(1, Math.round(tokens / tokenizer.count(result)));
  const messages: unknown[] = [
    { role: 'system', content: 'You are a finance assistant. Use the tools, cite the documents.' },
    { role: 'user', content: 'Summarize the quarter.' },
  ];
  const prompt: LanguageModelV4Prompt = [
    { role: 'system', content: 'You are a finance assistant. Use the tools, cite the documents.' },
    { role: 'user', content: [{ type: 'text', text: 'Summarize the quarter.' }] },
  ];
  for (let i = 0; i < pairs; i++) {
    const id = `call_${i}`;
    messages.push(
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id, type: 'function', function: { name: 'read_doc', arguments: `{"doc":${i}}` } }],
      },
      { role: 'tool', tool_call_id: id, content: result },
    );
    prompt.push(
      {
        role: 'assistant',
        content: [{ type: 'tool-call', toolCallId: id, toolName: 'read_doc', input: { doc: i } }],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: id,
            toolName: 'read_doc',
            output: { type: 'text', value: result },
          },
        ],
      },
    );
  }
  const body = JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 1000, messages });
  return { body, prompt, tokens: tokenizer.count(body) };
}

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

async function time(runs: number, f: () => Promise<unknown>): Promise<number> {
  await f(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  return median(out);
}

const answer = async (): Promise<Response> =>
  new Response('{}', { headers: { 'content-type': 'application/json' } });
const model = {
  specificationVersion: 'v4',
  provider: 'openai.chat',
  modelId: 'gpt-4o-mini',
} as unknown as LanguageModelV4;

const rows: Record<string, number | string>[] = [];
for (const target of [1_000, 32_000, 128_000]) {
  const { body, prompt, tokens } = conversation(target);
  const runs = quick ? 3 : target <= 1_000 ? 80 : target <= 32_000 ? 40 : 12;
  const plain = await time(runs, () => answer());
  const guarded = createGuardedFetch({ tenant: 'acme', signer: keys, maxTokens: 200_000, fetch: answer });
  const fetchMs = await time(runs, () => guarded(URL_CHAT, { method: 'POST', body }));
  const middleware = ctxpackMiddleware({ tenant: 'acme', signer: keys, maxTokens: 200_000, fetch: answer });
  const params: LanguageModelV4CallOptions = { prompt, maxOutputTokens: 1000 };
  const middlewareMs = await time(runs, async () => {
    const out = await middleware.transformParams?.({ type: 'generate', params, model });
    // What the provider then sends; the middleware's fetch signs exactly these bytes.
    const wire = JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 1000, messages: out?.prompt });
    await middleware.fetch(URL_CHAT, {
      method: 'POST',
      body: wire,
      headers: out?.headers as Record<string, string>,
    });
  });
  rows.push({
    tokens,
    bodyKB: Math.round(body.length / 1024),
    plainMs: +plain.toFixed(3),
    guardedFetchMs: +(fetchMs - plain).toFixed(2),
    middlewareMs: +(middlewareMs - plain).toFixed(2),
  });
}

const shares: Record<string, unknown> = {};
for (const [name, options] of [
  ['sessionKey', { sessionKey: new Uint8Array(32).fill(7) }],
  ['fresh nonce', {}],
] as const) {
  const bodies = await runLoop(options);
  const per = bodies.slice(1).map((b, k) => prefixShare(bodies[k] as string, b));
  let shared = 0;
  let total = 0;
  for (let k = 1; k < bodies.length; k++) {
    const prev = new TextEncoder().encode(bodies[k - 1]).length;
    shared += (per[k - 1] as number) * prev;
    total += prev;
  }
  shares[name] = { perStep: per.map((s) => +s.toFixed(4)), byteWeighted: +(shared / total).toFixed(4) };
}

console.log('Added latency per request (median ms, over a plain fetch that answers at once)');
console.table(rows);
console.log('Prefix share of request k−1 repeated by request k, 10-step loop');
console.log(JSON.stringify(shares, null, 2));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/agent-latency.json', import.meta.url),
  `${JSON.stringify({ node: process.version, quick, latency: rows, prefixShare: shares }, null, 2)}\n`,
);
