import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';
import type { Target } from '@ctxpack/serialize';

/** The body fields each target renders from blocks; `params` may not set them. */
const RENDERED_FIELDS: Record<Target, readonly string[]> = {
  'openai-chat': ['messages'],
  'openai-responses': ['instructions', 'input'],
  anthropic: ['system', 'messages'],
  'ai-sdk': ['system', 'messages'],
  text: ['prompt'],
};

/** Largest JSON text of `params` (tool definitions, schemas), in UTF-16 units: 4 Mi. */
export const MAX_PARAMS_CHARS: number = 4 * 1024 * 1024;

/**
 * Checks the request's other fields (`model`, `tools`, `tool_choice`,
 * `temperature`, `max_tokens`, `response_format`, `stream`, `metadata`…)
 * and returns them with their JSON text, which is what the budget counts.
 * They must be JSON data, must not set a field the target renders from
 * blocks, and are bounded in size.
 */
export function checkParams(
  params: unknown,
  target: Target,
): { params: Record<string, unknown>; json: string } {
  if (params === undefined) return { params: {}, json: '' };
  if (!isRecord(params))
    throw new InvalidArgumentError({ path: 'options.params', expected: 'an object', value: params });
  for (const field of RENDERED_FIELDS[target]) {
    if (field in params) {
      throw new InvalidArgumentError({
        path: `options.params.${field}`,
        expected: `no ${field}: the ${target} target renders it from the blocks`,
        value: params[field],
      });
    }
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(params);
  } catch {
    // A cycle or a BigInt: no provider could receive it.
  }
  if (json === undefined)
    throw new InvalidArgumentError({ path: 'options.params', expected: 'JSON data', value: params });
  if (json.length > MAX_PARAMS_CHARS) {
    throw new InvalidArgumentError({
      path: 'options.params',
      expected: `at most ${MAX_PARAMS_CHARS} characters of JSON`,
      value: params,
    });
  }
  // A copy through JSON: what is signed is what JSON.stringify will send.
  return { params: JSON.parse(json) as Record<string, unknown>, json };
}

/**
 * The whole provider body: the params first, then the rendered conversation,
 * so a body's bytes start with what stays the same across the steps of a
 * conversation (model, tools, settings) and grow only at the end.
 */
export function mergeParams<R extends object>(request: R, params: Record<string, unknown>): R {
  return { ...params, ...request };
}
