import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';
import type { ImportTarget } from './import-request.js';
import type { OutputGuard, OutputTextChannel } from './output-guard.js';

type Json = Record<string, unknown>;

/** Longest server-sent event held while it is read (16 MiB of text): past it the stream errors. */
const MAX_EVENT_CHARS = 16 * 1024 * 1024;

/**
 * A provider's answer with the output checks applied: a JSON body is read
 * whole, its texts redacted and its tool calls checked, then sent on as new
 * JSON; a `text/event-stream` body stays a stream — each text delta passes
 * through its channel's scanner (held back at most a line), and what a
 * channel still holds is sent in the delta before the event that ends it.
 * Error answers (status ≥ 400) pass through untouched.
 */
export async function guardProviderResponse(
  response: Response,
  target: ImportTarget,
  guard: OutputGuard,
  onDone: () => void,
): Promise<Response> {
  if (!response.ok || response.body === null) return response;
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  const init = { status: response.status, statusText: response.statusText, headers };
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('text/event-stream')) {
    const body = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(sseGuard(target, guard, onDone))
      .pipeThrough(new TextEncoderStream());
    return new Response(body, init);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError({
      path: 'response.body',
      expected: 'a JSON or server-sent-events answer to check',
      value: text.slice(0, 200),
    });
  }
  if (isRecord(json)) guardAnswer(json, target, guard, () => undefined);
  onDone();
  return new Response(JSON.stringify(json), init);
}

/**
 * Checks a whole answer in place; `streamed(key)` supplies the text a stream already checked, and
 * `checkedCall(i)` skips the tool calls it already checked.
 */
function guardAnswer(
  answer: Json,
  target: ImportTarget,
  guard: OutputGuard,
  streamed: (key: string) => string | undefined,
  checkedCall: (index: number) => boolean = () => false,
): void {
  const text = (holder: Json, field: string, key: string) => {
    const value = holder[field];
    if (typeof value === 'string') holder[field] = streamed(key) ?? guard.checkText(value);
  };
  if (target === 'openai-chat') {
    records(answer['choices']).forEach((choice, i) => {
      const message = isRecord(choice['message']) ? choice['message'] : undefined;
      if (message === undefined) return;
      if (Array.isArray(message['content'])) {
        records(message['content']).forEach((p, j) => {
          text(p, 'text', `${i}:${j}`);
        });
      } else text(message, 'content', `${i}`);
      text(message, 'refusal', `${i}:refusal`);
      for (const call of records(message['tool_calls'])) guard.checkToolCall(call);
    });
  } else if (target === 'openai-responses') {
    records(answer['output']).forEach((item, i) => {
      if (item['type'] === 'function_call' && !checkedCall(i)) guard.checkToolCall(item);
      records(item['content']).forEach((p, j) => {
        text(p, 'text', `${i}:${j}`);
        text(p, 'refusal', `${i}:${j}:refusal`);
      });
    });
    text(answer, 'output_text', 'output_text');
  } else {
    records(answer['content']).forEach((p, i) => {
      if (p['type'] === 'tool_use') guard.checkToolCall(p);
      else if (p['type'] === 'text') text(p, 'text', `${i}`);
    });
  }
}

function records(value: unknown): Json[] {
  if (!Array.isArray(value)) return [];
  const out: Json[] = [];
  for (const v of value) if (isRecord(v)) out.push(v);
  return out;
}

interface Channel {
  scanner: OutputTextChannel;
  /** The text released so far (what the client has received). */
  released: string;
  /** The last delta event of the channel, to send what `end` releases. */
  template: { event: string | undefined; data: Json; set: (data: Json, text: string) => void };
  ended: boolean;
}

interface ToolState {
  call: Json;
  args: string;
  checked: boolean;
}

/** Rewrites server-sent events: text deltas checked per channel, tool calls checked when complete. */
function sseGuard(
  target: ImportTarget,
  guard: OutputGuard,
  onDone: () => void,
): TransformStream<string, string> {
  const channels = new Map<string, Channel>();
  const tools = new Map<string, ToolState>();
  let buffer = '';
  /** A `\r` at the end of a chunk: the start of a `\r\n` the next chunk may finish. */
  let carriage = false;
  let done = false;

  const format = (event: string | undefined, data: string) =>
    `${event === undefined ? '' : `event: ${event}\n`}data: ${data}\n\n`;

  const delta = (key: string, text: string, template: Channel['template']): string => {
    let channel = channels.get(key);
    if (channel === undefined) {
      channel = { scanner: guard.openText(), released: '', template, ended: false };
      channels.set(key, channel);
    }
    channel.template = template;
    const out = channel.scanner.push(text);
    channel.released += out;
    return out;
  };
  /** Ends a channel; returns the event that carries what it still held, or ''. */
  const close = (key: string): string => {
    const channel = channels.get(key);
    if (channel === undefined || channel.ended) return '';
    channel.ended = true;
    const rest = channel.scanner.end();
    if (rest === '') return '';
    channel.released += rest;
    const { event, data, set } = channel.template;
    const copy = structuredClone(data);
    set(copy, rest);
    return format(event, JSON.stringify(copy));
  };
  const closeAll = (prefix = ''): string => {
    let out = '';
    for (const key of channels.keys()) if (key.startsWith(prefix)) out += close(key);
    return out;
  };
  const checkTool = (key: string) => {
    const tool = tools.get(key);
    if (tool === undefined || tool.checked) return;
    tool.checked = true;
    guard.checkToolCall(toolCallOf(target, tool));
  };
  const checkTools = (prefix = '') => {
    for (const key of tools.keys()) if (key.startsWith(prefix)) checkTool(key);
  };
  const finish = () => {
    if (done) return;
    done = true;
    onDone();
  };
  const streamed = (key: string) => {
    const channel = channels.get(key);
    return channel?.ended === true ? channel.released : undefined;
  };

  /** One event's data, rewritten; returns the text to send (events released before it, then it). */
  const onEvent = (event: string | undefined, data: Json): string => {
    let before = '';
    if (target === 'openai-chat') {
      for (const choice of records(data['choices'])) {
        const i = String(choice['index'] ?? 0);
        const d = isRecord(choice['delta']) ? choice['delta'] : undefined;
        if (d !== undefined && typeof d['content'] === 'string' && d['content'] !== '') {
          d['content'] = delta(i, d['content'], {
            event,
            data: {
              ...data,
              choices: [{ index: choice['index'], delta: { content: '' }, finish_reason: null }],
            },
            set: (copy, text) => {
              ((copy['choices'] as Json[])[0]?.['delta'] as Json)['content'] = text;
            },
          });
        }
        for (const call of records(d?.['tool_calls'])) {
          const key = `${i}:${String(call['index'] ?? 0)}`;
          const fn = isRecord(call['function']) ? call['function'] : {};
          const tool = tools.get(key) ?? {
            call: { id: call['id'], name: fn['name'] },
            args: '',
            checked: false,
          };
          if (typeof fn['name'] === 'string') tool.call['name'] = fn['name'];
          if (typeof fn['arguments'] === 'string') tool.args += fn['arguments'];
          tools.set(key, tool);
        }
        if (choice['finish_reason'] !== null && choice['finish_reason'] !== undefined) {
          before += closeAll(i);
          checkTools(`${i}:`);
        }
      }
    } else if (target === 'openai-responses') {
      const type = data['type'];
      const key = `${String(data['output_index'] ?? 0)}:${String(data['content_index'] ?? 0)}`;
      if (type === 'response.output_text.delta' && typeof data['delta'] === 'string') {
        data['delta'] = delta(key, data['delta'], {
          event,
          data: { ...data },
          set: (copy, text) => {
            copy['delta'] = text;
          },
        });
      } else if (type === 'response.output_text.done' || type === 'response.content_part.done') {
        before += close(key);
        if (typeof data['text'] === 'string') data['text'] = streamed(key) ?? guard.checkText(data['text']);
        const part = isRecord(data['part']) ? data['part'] : undefined;
        if (part !== undefined && typeof part['text'] === 'string')
          part['text'] = streamed(key) ?? guard.checkText(part['text']);
      } else if (type === 'response.output_item.done' && isRecord(data['item'])) {
        const item = data['item'];
        const index = String(data['output_index'] ?? 0);
        before += closeAll(`${index}:`);
        if (item['type'] === 'function_call') {
          tools.set(index, { call: item, args: '', checked: true });
          guard.checkToolCall(item);
        }
        records(item['content']).forEach((p, j) => {
          if (typeof p['text'] === 'string')
            p['text'] = streamed(`${index}:${j}`) ?? guard.checkText(p['text']);
        });
      } else if (
        (type === 'response.completed' || type === 'response.incomplete') &&
        isRecord(data['response'])
      ) {
        before += closeAll();
        // Tool calls a `response.output_item.done` already checked are not checked twice.
        guardAnswer(data['response'], target, guard, streamed, (i) => tools.get(String(i))?.checked === true);
        finish();
      }
    } else {
      const type = data['type'];
      const key = String(data['index'] ?? 0);
      if (type === 'content_block_start' && isRecord(data['content_block'])) {
        const block = data['content_block'];
        if (block['type'] === 'tool_use') tools.set(key, { call: { ...block }, args: '', checked: false });
      } else if (type === 'content_block_delta' && isRecord(data['delta'])) {
        const d = data['delta'];
        if (d['type'] === 'text_delta' && typeof d['text'] === 'string') {
          d['text'] = delta(key, d['text'], {
            event,
            data: { ...data, delta: { ...d } },
            set: (copy, text) => {
              (copy['delta'] as Json)['text'] = text;
            },
          });
        } else if (d['type'] === 'input_json_delta' && typeof d['partial_json'] === 'string') {
          const tool = tools.get(key);
          if (tool !== undefined) tool.args += d['partial_json'];
        }
      } else if (type === 'content_block_stop') {
        before += close(key);
        checkTool(key);
      } else if (type === 'message_stop') {
        before += closeAll();
        checkTools();
        finish();
      }
    }
    return before + format(event, JSON.stringify(data));
  };

  const onBlock = (block: string): string => {
    let event: string | undefined;
    const data: string[] = [];
    const other: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      else if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line !== '') other.push(line);
    }
    const text = data.join('\n');
    let parsed: unknown;
    try {
      parsed = text === '' || text === '[DONE]' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const prefix = other.length === 0 ? '' : `${other.join('\n')}\n`;
    if (!isRecord(parsed)) {
      // `[DONE]` (OpenAI chat) ends every channel first; other lines pass as they came.
      const before = text === '[DONE]' ? closeAll() : '';
      if (text === '[DONE]') {
        checkTools();
        finish();
      }
      return `${before}${prefix}${block}\n\n`;
    }
    return prefix + onEvent(event, parsed);
  };

  return new TransformStream<string, string>({
    transform: (chunk, controller) => {
      let text = carriage ? `\r${chunk}` : chunk;
      carriage = text.endsWith('\r');
      if (carriage) text = text.slice(0, -1);
      buffer += text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
      let out = '';
      let start = 0;
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n', start)) {
        out += onBlock(buffer.slice(start, end));
        start = end + 2;
      }
      buffer = buffer.slice(start);
      if (buffer.length > MAX_EVENT_CHARS) {
        throw new InvalidArgumentError({
          path: 'response.body',
          expected: `server-sent events of at most ${MAX_EVENT_CHARS} characters`,
          value: `${buffer.length} characters`,
        });
      }
      if (out !== '') controller.enqueue(out);
    },
    flush: (controller) => {
      let out = buffer.trim() === '' ? '' : onBlock(buffer);
      out += closeAll();
      checkTools();
      finish();
      if (out !== '') controller.enqueue(out);
    },
  });
}

/** A streamed tool call in the shape `checkToolCall` reads. */
function toolCallOf(target: ImportTarget, tool: ToolState): Json {
  if (target === 'anthropic') {
    let input: unknown = {};
    try {
      input = tool.args === '' ? {} : JSON.parse(tool.args);
    } catch {
      input = tool.args;
    }
    return { ...tool.call, input };
  }
  return { name: tool.call['name'], arguments: tool.args };
}
