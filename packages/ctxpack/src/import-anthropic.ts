import { InvalidArgumentError } from '@ctxpack/block';
import type { ImportCollector } from './import-builder.js';
import { argumentsText, assertKnownKeys, expectArray, expectRecord, expectString } from './import-builder.js';

const MESSAGE_KEYS: ReadonlySet<string> = new Set(['role', 'content']);
const TEXT_KEYS: ReadonlySet<string> = new Set(['type', 'text', 'cache_control']);
const USE_KEYS: ReadonlySet<string> = new Set(['type', 'id', 'name', 'input', 'cache_control']);
const RESULT_KEYS: ReadonlySet<string> = new Set(['type', 'tool_use_id', 'content', 'cache_control']);

/**
 * Messages API `system` and `messages` → blocks; every other field is a param.
 * A `cache_control` breakpoint is kept as the block's id in
 * `cacheBreakpoints` (pass it to `assemble({ anthropic })`).
 */
export function importAnthropic(
  body: Record<string, unknown>,
  out: ImportCollector,
): Record<string, unknown> {
  const { system, messages, ...params } = body;
  let index = 0;
  if (typeof system === 'string') out.text('system', 'system', index++, 0, system);
  else if (system !== undefined) {
    const blocks = expectArray(system, 'body.system', 'a string or an array of text blocks');
    for (let i = 0; i < blocks.length; i++) {
      const path = `body.system[${i}]`;
      const block = textBlock(blocks[i], path);
      const id = out.text('system', 'system', index++, 0, block.text);
      if (block.cached) out.cacheBreakpoints.push(id);
    }
  }
  const list = expectArray(messages, 'body.messages', 'a Messages API messages array');
  for (let i = 0; i < list.length; i++, index++) {
    const path = `body.messages[${i}]`;
    const m = expectRecord(list[i], path, 'a Messages API message');
    assertKnownKeys(m, MESSAGE_KEYS, path);
    const role = m['role'];
    if (role !== 'user' && role !== 'assistant') {
      throw new InvalidArgumentError({ path: `${path}.role`, expected: 'user or assistant', value: role });
    }
    if (typeof m['content'] === 'string') {
      out.text(role, role, index, 0, m['content']);
      continue;
    }
    const parts = expectArray(m['content'], `${path}.content`, 'a string or an array of content blocks');
    for (let p = 0; p < parts.length; p++) {
      const ppath = `${path}.content[${p}]`;
      const part = expectRecord(parts[p], ppath, 'a content block');
      let id: string;
      if (part['type'] === 'text') {
        const block = textBlock(part, ppath);
        id = out.text(role, role, index, p, block.text);
      } else if (part['type'] === 'tool_use' && role === 'assistant') {
        assertKnownKeys(part, USE_KEYS, ppath);
        id = out.toolCall(index, p, {
          id: expectString(part['id'], `${ppath}.id`),
          name: expectString(part['name'], `${ppath}.name`),
          arguments: argumentsText(
            expectRecord(part['input'], `${ppath}.input`, 'an object'),
            `${ppath}.input`,
          ),
        });
      } else if (part['type'] === 'tool_result' && role === 'user') {
        assertKnownKeys(part, RESULT_KEYS, ppath);
        id = out.toolResult(index, p, {
          callId: expectString(part['tool_use_id'], `${ppath}.tool_use_id`),
          content: resultText(part['content'], `${ppath}.content`),
        });
      } else {
        throw new InvalidArgumentError({
          path: `${ppath}.type`,
          expected: role === 'user' ? 'text or tool_result' : 'text or tool_use',
          value: part['type'],
        });
      }
      if (part['cache_control'] !== undefined) out.cacheBreakpoints.push(id);
    }
  }
  return params;
}

function textBlock(value: unknown, path: string): { text: string; cached: boolean } {
  const block = expectRecord(value, path, 'a text block');
  assertKnownKeys(block, TEXT_KEYS, path);
  if (block['type'] !== 'text') {
    throw new InvalidArgumentError({ path: `${path}.type`, expected: "'text'", value: block['type'] });
  }
  return { text: expectString(block['text'], `${path}.text`), cached: block['cache_control'] !== undefined };
}

function resultText(content: unknown, path: string): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  const parts = expectArray(content, path, 'a string or an array of text blocks');
  let text = '';
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) text += '\n';
    text += textBlock(parts[i], `${path}[${i}]`).text;
  }
  return text;
}
