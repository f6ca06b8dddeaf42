import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';
import type { ImportCollector } from './import-builder.js';
import {
  argumentsText,
  assertKnownKeys,
  expectArray,
  expectRecord,
  expectString,
  joinTextParts,
} from './import-builder.js';

const TEXT_PARTS: ReadonlySet<string> = new Set(['text']);
const MESSAGE_KEYS: ReadonlySet<string> = new Set(['role', 'content', 'providerOptions']);
const CALL_KEYS: ReadonlySet<string> = new Set([
  'type',
  'toolCallId',
  'toolName',
  'input',
  'providerOptions',
]);
const RESULT_KEYS: ReadonlySet<string> = new Set([
  'type',
  'toolCallId',
  'toolName',
  'output',
  'providerOptions',
]);

/**
 * AI SDK `ModelMessage[]`, `{ system?, messages }` (the `generateText`
 * options), or a provider `LanguageModelV4Prompt` (what a middleware sees) →
 * blocks. Tool outputs of type `text`, `json`, `error-text` and `error-json`
 * become the result's text (JSON as its JSON text).
 */
export function importAiSdk(body: unknown, out: ImportCollector): Record<string, unknown> {
  let messages: unknown;
  let params: Record<string, unknown> = {};
  let index = 0;
  if (Array.isArray(body)) messages = body;
  else {
    const {
      system,
      messages: list,
      ...rest
    } = expectRecord(body, 'body', 'ModelMessage[] or { system?, messages }');
    if (system !== undefined) out.text('system', 'system', index++, 0, expectString(system, 'body.system'));
    messages = list;
    params = rest;
  }
  const list = expectArray(messages, 'body.messages', 'an array of ModelMessage');
  for (let i = 0; i < list.length; i++, index++) {
    const path = `body.messages[${i}]`;
    const m = expectRecord(list[i], path, 'a ModelMessage');
    assertKnownKeys(m, MESSAGE_KEYS, path);
    assertNoProviderOptions(m, path);
    const role = m['role'];
    const content = m['content'];
    if (role === 'system') out.text('system', role, index, 0, expectString(content, `${path}.content`));
    else if (role === 'user') {
      const text =
        typeof content === 'string'
          ? content
          : joinTextParts(
              expectArray(content, `${path}.content`, 'a string or parts'),
              `${path}.content`,
              TEXT_PARTS,
            );
      out.text('user', role, index, 0, text);
    } else if (role === 'assistant') {
      if (typeof content === 'string') {
        out.text('assistant', role, index, 0, content);
        continue;
      }
      const parts = expectArray(content, `${path}.content`, 'a string or parts');
      for (let p = 0; p < parts.length; p++) {
        const ppath = `${path}.content[${p}]`;
        const part = expectRecord(parts[p], ppath, 'an assistant part');
        assertNoProviderOptions(part, ppath);
        if (part['type'] === 'text')
          out.text('assistant', role, index, p, expectString(part['text'], `${ppath}.text`));
        else if (part['type'] === 'tool-call') {
          assertKnownKeys(part, CALL_KEYS, ppath);
          out.toolCall(index, p, {
            id: expectString(part['toolCallId'], `${ppath}.toolCallId`),
            name: expectString(part['toolName'], `${ppath}.toolName`),
            arguments: argumentsText(part['input'], `${ppath}.input`),
          });
        } else {
          throw new InvalidArgumentError({
            path: `${ppath}.type`,
            expected: 'text or tool-call',
            value: part['type'],
          });
        }
      }
    } else if (role === 'tool') {
      const parts = expectArray(content, `${path}.content`, 'an array of tool-result parts');
      for (let p = 0; p < parts.length; p++) {
        const ppath = `${path}.content[${p}]`;
        const part = expectRecord(parts[p], ppath, 'a tool-result part');
        assertNoProviderOptions(part, ppath);
        if (part['type'] !== 'tool-result') {
          throw new InvalidArgumentError({
            path: `${ppath}.type`,
            expected: "'tool-result'",
            value: part['type'],
          });
        }
        assertKnownKeys(part, RESULT_KEYS, ppath);
        out.toolResult(index, p, {
          callId: expectString(part['toolCallId'], `${ppath}.toolCallId`),
          name: expectString(part['toolName'], `${ppath}.toolName`),
          content: outputText(part['output'], `${ppath}.output`),
        });
      }
    } else {
      throw new InvalidArgumentError({
        path: `${path}.role`,
        expected: 'system, user, assistant or tool',
        value: role,
      });
    }
  }
  return params;
}

function outputText(value: unknown, path: string): string {
  const output = expectRecord(value, path, '{ type, value }');
  assertKnownKeys(output, new Set(['type', 'value', 'providerOptions']), path);
  assertNoProviderOptions(output, path);
  if (output['type'] === 'text' || output['type'] === 'error-text')
    return expectString(output['value'], `${path}.value`);
  if (output['type'] === 'json' || output['type'] === 'error-json')
    return argumentsText(output['value'], `${path}.value`);
  throw new InvalidArgumentError({
    path: `${path}.type`,
    expected: 'text, json, error-text or error-json',
    value: output['type'],
  });
}

// Provider options would be lost on the way back out; an empty object carries nothing.
function assertNoProviderOptions(value: Record<string, unknown>, path: string): void {
  const options = value['providerOptions'];
  if (options === undefined || (isRecord(options) && Object.keys(options).length === 0)) return;
  throw new InvalidArgumentError({
    path: `${path}.providerOptions`,
    expected: 'no provider options',
    value: options,
  });
}
