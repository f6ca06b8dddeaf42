import { InvalidArgumentError } from '@ctxpack/block';
import type { ImportCollector } from './import-builder.js';
import { assertKnownKeys, expectArray, expectRecord, expectString, joinTextParts } from './import-builder.js';

const TEXT_PARTS: ReadonlySet<string> = new Set(['text']);
const MESSAGE_KEYS: Record<string, ReadonlySet<string>> = {
  system: new Set(['role', 'content']),
  developer: new Set(['role', 'content']),
  user: new Set(['role', 'content']),
  assistant: new Set(['role', 'content', 'tool_calls', 'refusal']),
  tool: new Set(['role', 'content', 'tool_call_id']),
};
const CALL_KEYS: ReadonlySet<string> = new Set(['id', 'type', 'function']);

/** Chat Completions `messages` → blocks; every other field of the body is a param. */
export function importOpenAIChat(
  body: Record<string, unknown>,
  out: ImportCollector,
): Record<string, unknown> {
  const { messages, ...params } = body;
  const list = expectArray(messages, 'body.messages', 'a Chat Completions messages array');
  for (let i = 0; i < list.length; i++) {
    const path = `body.messages[${i}]`;
    const m = expectRecord(list[i], path, 'a Chat Completions message');
    const role = m['role'];
    const keys = typeof role === 'string' ? MESSAGE_KEYS[role] : undefined;
    if (keys === undefined) {
      throw new InvalidArgumentError({
        path: `${path}.role`,
        expected: 'system, developer, user, assistant or tool',
        value: role,
      });
    }
    assertKnownKeys(m, keys, path);
    const text = contentText(m['content'], `${path}.content`, role === 'assistant' || role === 'tool');
    if (role === 'system' || role === 'developer') out.text('system', role, i, 0, text ?? '');
    else if (role === 'user') out.text('user', role, i, 0, text ?? '');
    else if (role === 'tool') {
      out.toolResult(i, 0, {
        callId: expectString(m['tool_call_id'], `${path}.tool_call_id`),
        content: text ?? '',
      });
    } else {
      if (m['refusal'] !== undefined && m['refusal'] !== null) {
        throw new InvalidArgumentError({ path: `${path}.refusal`, expected: 'null', value: m['refusal'] });
      }
      let part = 0;
      if (text !== undefined && text !== '') out.text('assistant', role as string, i, part++, text);
      const calls =
        m['tool_calls'] === undefined ? [] : expectArray(m['tool_calls'], `${path}.tool_calls`, 'an array');
      for (let c = 0; c < calls.length; c++) {
        const cpath = `${path}.tool_calls[${c}]`;
        const call = expectRecord(calls[c], cpath, 'a function tool call');
        assertKnownKeys(call, CALL_KEYS, cpath);
        if (call['type'] !== 'function') {
          throw new InvalidArgumentError({
            path: `${cpath}.type`,
            expected: "'function'",
            value: call['type'],
          });
        }
        const fn = expectRecord(call['function'], `${cpath}.function`, '{ name, arguments }');
        out.toolCall(i, part++, {
          id: expectString(call['id'], `${cpath}.id`),
          name: expectString(fn['name'], `${cpath}.function.name`),
          arguments: expectString(fn['arguments'], `${cpath}.function.arguments`),
        });
      }
      if (part === 0) out.text('assistant', role as string, i, 0, '');
    }
  }
  return params;
}

function contentText(content: unknown, path: string, nullable: boolean): string | undefined {
  if (typeof content === 'string') return content;
  if (nullable && (content === null || content === undefined)) return undefined;
  return joinTextParts(expectArray(content, path, 'a string or an array of text parts'), path, TEXT_PARTS);
}
