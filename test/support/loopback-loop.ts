import { createGuardedFetch, generateKeyPair } from 'ctxpack';

/**
 * A 10-step OpenAI chat tool loop through a guarded fetch, and the prefix
 * share between consecutive requests (what a provider's prefix cache can
 * reuse): used by test/agent-prefix.test.ts and bench/agent-latency.ts.
 */

const keys = generateKeyPair();
export const SYSTEM =
  'You are a research agent. Use the tools, then answer with a short summary and sources.';
export const TOOLS: Record<string, unknown>[] = [
  {
    type: 'function',
    function: {
      name: 'search',
      description: 'Searches the web',
      parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
    },
  },
];

/** Bytes of `prev` that `next` repeats as a prefix, as a share of `prev`. */
export function prefixShare(prev: string, next: string): number {
  let i = 0;
  while (i < prev.length && prev.charCodeAt(i) === next.charCodeAt(i)) i++;
  return new TextEncoder().encode(prev.slice(0, i)).length / new TextEncoder().encode(prev).length;
}

/** Runs a 10-step tool loop through a guarded fetch and returns the ten bodies it sent. */
export async function runLoop(options: { sessionKey?: Uint8Array; steps?: number } = {}): Promise<string[]> {
  const sent: string[] = [];
  const fetch = createGuardedFetch({
    tenant: 'acme',
    signer: keys,
    ...(options.sessionKey === undefined ? {} : { sessionKey: options.sessionKey }),
    fetch: async (_input, init) => {
      sent.push(String(init?.body));
      return new Response('{}', { headers: { 'content-type': 'application/json' } });
    },
  });
  const messages: unknown[] = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: 'What changed in the EU AI Act this year?' },
  ];
  for (let step = 0; step < (options.steps ?? 10); step++) {
    await fetch('https://api.openai.com/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-4o-mini', tools: TOOLS, messages }),
    });
    const id = `call_${step}`;
    messages.push(
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id, type: 'function', function: { name: 'search', arguments: `{"q":"ai act ${step}"}` } },
        ],
      },
      {
        role: 'tool',
        tool_call_id: id,
        content: `Result ${step}: ${'The regulation entered into force in stages. '.repeat(40)}`,
      },
    );
  }
  return sent;
}
