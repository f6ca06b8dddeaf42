import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that plays a model provider: it speaks the wire
 * formats of OpenAI Chat Completions (`/v1/chat/completions`), OpenAI
 * Responses (`/v1/responses`) and Anthropic Messages (`/v1/messages`), as
 * JSON or as server-sent events when the body asks for `stream: true`, so
 * the official SDKs (openai, @anthropic-ai/sdk, ai + @ai-sdk/openai) run
 * unmodified against it. Every request is kept as a fetch-API `Request`
 * holding the exact bytes received, for `verifyRequest`.
 */

export type LoopbackApi = 'chat' | 'responses' | 'messages';

export interface LoopbackToolCall {
  id: string;
  name: string;
  /** JSON text of the arguments. */
  arguments: string;
}

export interface LoopbackReply {
  text?: string;
  toolCalls?: LoopbackToolCall[];
}

export interface LoopbackExchange {
  api: LoopbackApi;
  /** Index of this request among all requests the server received. */
  index: number;
  /** The request exactly as received: method, URL, headers and the raw body bytes. */
  request: Request;
  /** The raw body as text. */
  body: string;
  /** The parsed body. */
  json: Record<string, unknown>;
}

export interface LoopbackProviderOptions {
  /** What the model answers to each request; default: a fixed text. */
  reply?: (exchange: LoopbackExchange) => LoopbackReply | Promise<LoopbackReply>;
  /** Runs on each request before the reply (e.g. `verifyRequest`); a throw is recorded and answered with 400. */
  onRequest?: (exchange: LoopbackExchange) => void | Promise<void>;
}

export interface LoopbackProvider {
  /** `http://127.0.0.1:PORT/v1` — the `baseURL` of the OpenAI and Anthropic SDKs (Anthropic's without `/v1`). */
  readonly baseURL: string;
  readonly origin: string;
  readonly exchanges: LoopbackExchange[];
  /** Errors `onRequest` threw, by request index. */
  readonly errors: Map<number, unknown>;
  close(): Promise<void>;
}

const ROUTES: Record<string, LoopbackApi> = {
  '/v1/chat/completions': 'chat',
  '/v1/responses': 'responses',
  '/v1/messages': 'messages',
};

export async function startLoopbackProvider(
  options: LoopbackProviderOptions = {},
): Promise<LoopbackProvider> {
  const exchanges: LoopbackExchange[] = [];
  const errors = new Map<number, unknown>();
  const reply = options.reply ?? (() => ({ text: 'ok' }));
  const server: Server = createServer(async (req, res) => {
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const api = ROUTES[url.pathname];
      if (req.method !== 'POST' || api === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
        return;
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value);
        else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      }
      const body = new TextDecoder().decode(raw);
      const exchange: LoopbackExchange = {
        api,
        index: exchanges.length,
        request: new Request(`http://127.0.0.1${url.pathname}${url.search}`, {
          method: 'POST',
          headers,
          body: raw,
        }),
        body,
        json: JSON.parse(body) as Record<string, unknown>,
      };
      exchanges.push(exchange);
      if (options.onRequest !== undefined) {
        try {
          await options.onRequest(exchange);
        } catch (error) {
          errors.set(exchange.index, error);
          const message = error instanceof Error ? error.message : String(error);
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { message } }));
          return;
        }
      }
      const answer = await reply(exchange);
      const model = String(exchange.json['model'] ?? 'loopback');
      const stream = exchange.json['stream'] === true;
      if (!stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(jsonReply(api, model, answer, exchange.index)));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const event of sseReply(api, model, answer, exchange.index)) res.write(event);
      res.end();
    } catch (error) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(error) } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    baseURL: `${origin}/v1`,
    origin,
    exchanges,
    errors,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 256 * 1024 * 1024) throw new Error('body over 256 MiB');
    chunks.push(chunk as Buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

const usageChat = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

function jsonReply(api: LoopbackApi, model: string, answer: LoopbackReply, n: number): unknown {
  const calls = answer.toolCalls ?? [];
  if (api === 'chat') {
    return {
      id: `chatcmpl-${n}`,
      object: 'chat.completion',
      created: 1_700_000_000,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: answer.text ?? null,
            ...(calls.length === 0
              ? {}
              : {
                  tool_calls: calls.map((c) => ({
                    id: c.id,
                    type: 'function',
                    function: { name: c.name, arguments: c.arguments },
                  })),
                }),
          },
          finish_reason: calls.length === 0 ? 'stop' : 'tool_calls',
        },
      ],
      usage: usageChat,
    };
  }
  if (api === 'responses') return responseObject(model, answer, n);
  return {
    id: `msg_${n}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [
      ...(answer.text === undefined ? [] : [{ type: 'text', text: answer.text }]),
      ...calls.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: JSON.parse(c.arguments) })),
    ],
    stop_reason: calls.length === 0 ? 'end_turn' : 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5 },
  };
}

function responseObject(model: string, answer: LoopbackReply, n: number): Record<string, unknown> {
  return {
    id: `resp_${n}`,
    object: 'response',
    created_at: 1_700_000_000,
    status: 'completed',
    model,
    output: [
      ...(answer.text === undefined
        ? []
        : [
            {
              type: 'message',
              id: `msg_${n}`,
              status: 'completed',
              role: 'assistant',
              content: [{ type: 'output_text', text: answer.text, annotations: [] }],
            },
          ]),
      ...(answer.toolCalls ?? []).map((c, i) => ({
        type: 'function_call',
        id: `fc_${n}_${i}`,
        call_id: c.id,
        name: c.name,
        arguments: c.arguments,
        status: 'completed',
      })),
    ],
    usage: {
      input_tokens: 10,
      output_tokens: 5,
      total_tokens: 15,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

/** Text is sent in pieces of a few characters, so a stream really is a stream. */
function pieces(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 7) out.push(text.slice(i, i + 7));
  return out;
}

function* sseReply(api: LoopbackApi, model: string, answer: LoopbackReply, n: number): Generator<string> {
  const data = (value: unknown, event?: string) =>
    `${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(value)}\n\n`;
  const calls = answer.toolCalls ?? [];
  if (api === 'chat') {
    const chunk = (delta: unknown, finish: string | null = null) =>
      data({
        id: `chatcmpl-${n}`,
        object: 'chat.completion.chunk',
        created: 1_700_000_000,
        model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
    yield chunk({ role: 'assistant', content: '' });
    for (const piece of pieces(answer.text ?? '')) yield chunk({ content: piece });
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i] as LoopbackToolCall;
      yield chunk({
        tool_calls: [{ index: i, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }],
      });
      for (const piece of pieces(c.arguments))
        yield chunk({ tool_calls: [{ index: i, function: { arguments: piece } }] });
    }
    yield chunk({}, calls.length === 0 ? 'stop' : 'tool_calls');
    yield data({
      id: `chatcmpl-${n}`,
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model,
      choices: [],
      usage: usageChat,
    });
    yield 'data: [DONE]\n\n';
    return;
  }
  if (api === 'responses') {
    const response = responseObject(model, answer, n);
    let seq = 0;
    yield data(
      {
        type: 'response.created',
        sequence_number: seq++,
        response: { ...response, status: 'in_progress', output: [] },
      },
      'response.created',
    );
    for (const piece of pieces(answer.text ?? '')) {
      yield data(
        {
          type: 'response.output_text.delta',
          sequence_number: seq++,
          item_id: `msg_${n}`,
          output_index: 0,
          content_index: 0,
          delta: piece,
        },
        'response.output_text.delta',
      );
    }
    yield data({ type: 'response.completed', sequence_number: seq++, response }, 'response.completed');
    return;
  }
  const message = jsonReply('messages', model, answer, n) as Record<string, unknown>;
  yield data(
    { type: 'message_start', message: { ...message, content: [], stop_reason: null } },
    'message_start',
  );
  let index = 0;
  if (answer.text !== undefined) {
    yield data(
      { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
      'content_block_start',
    );
    for (const piece of pieces(answer.text)) {
      yield data(
        { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } },
        'content_block_delta',
      );
    }
    yield data({ type: 'content_block_stop', index }, 'content_block_stop');
    index++;
  }
  for (const c of calls) {
    yield data(
      {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} },
      },
      'content_block_start',
    );
    yield data(
      { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: c.arguments } },
      'content_block_delta',
    );
    yield data({ type: 'content_block_stop', index }, 'content_block_stop');
    index++;
  }
  yield data(
    {
      type: 'message_delta',
      delta: { stop_reason: calls.length === 0 ? 'end_turn' : 'tool_use', stop_sequence: null },
      usage: { output_tokens: 5 },
    },
    'message_delta',
  );
  yield data({ type: 'message_stop' }, 'message_stop');
}
