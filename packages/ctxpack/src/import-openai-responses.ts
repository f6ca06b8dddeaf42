import { InvalidArgumentError } from '@ctxpack/block';
import type { ImportCollector } from './import-builder.js';
import { assertKnownKeys, expectArray, expectRecord, expectString, joinTextParts } from './import-builder.js';

const TEXT_PARTS: ReadonlySet<string> = new Set(['input_text', 'output_text']);
const MESSAGE_KEYS: ReadonlySet<string> = new Set(['type', 'role', 'content', 'id', 'status']);
const CALL_KEYS: ReadonlySet<string> = new Set(['type', 'call_id', 'name', 'arguments', 'id', 'status']);
const OUTPUT_KEYS: ReadonlySet<string> = new Set(['type', 'call_id', 'output', 'id', 'status']);

/** Responses `instructions` and `input` → blocks; every other field is a param. */
export function importOpenAIResponses(
  body: Record<string, unknown>,
  out: ImportCollector,
): Record<string, unknown> {
  const { instructions, input, ...params } = body;
  // `instructions` is the API's system slot: it comes first, as index -1 would be unreadable, under index 0's id space.
  if (instructions !== undefined && instructions !== null) {
    out.text('system', 'instructions', 0, 0, expectString(instructions, 'body.instructions'));
  }
  const offset = instructions === undefined || instructions === null ? 0 : 1;
  if (typeof input === 'string') {
    out.text('user', 'user', offset, 0, input);
    return params;
  }
  const items = expectArray(input, 'body.input', 'a string or an array of input items');
  for (let i = 0; i < items.length; i++) {
    const path = `body.input[${i}]`;
    const index = i + offset;
    const item = expectRecord(items[i], path, 'a Responses input item');
    const type = item['type'] ?? 'message';
    if (type === 'message') {
      assertKnownKeys(item, MESSAGE_KEYS, path);
      const role = item['role'];
      const content = item['content'];
      const text =
        typeof content === 'string'
          ? content
          : joinTextParts(
              expectArray(content, `${path}.content`, 'a string or text parts'),
              `${path}.content`,
              TEXT_PARTS,
            );
      if (role === 'system' || role === 'developer') out.text('system', role, index, 0, text);
      else if (role === 'user') out.text('user', role, index, 0, text);
      else if (role === 'assistant') out.text('assistant', role, index, 0, text);
      else {
        throw new InvalidArgumentError({
          path: `${path}.role`,
          expected: 'system, developer, user or assistant',
          value: role,
        });
      }
    } else if (type === 'function_call') {
      assertKnownKeys(item, CALL_KEYS, path);
      out.toolCall(index, 0, {
        id: expectString(item['call_id'], `${path}.call_id`),
        name: expectString(item['name'], `${path}.name`),
        arguments: expectString(item['arguments'], `${path}.arguments`),
      });
    } else if (type === 'function_call_output') {
      assertKnownKeys(item, OUTPUT_KEYS, path);
      const output = item['output'];
      const content =
        typeof output === 'string'
          ? output
          : joinTextParts(
              expectArray(output, `${path}.output`, 'a string or text parts'),
              `${path}.output`,
              TEXT_PARTS,
            );
      out.toolResult(index, 0, { callId: expectString(item['call_id'], `${path}.call_id`), content });
    } else {
      throw new InvalidArgumentError({
        path: `${path}.type`,
        expected: 'message, function_call or function_call_output',
        value: type,
      });
    }
  }
  return params;
}
