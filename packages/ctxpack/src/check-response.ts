import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';
import type { Severity } from '@ctxpack/escape';
import { ResponseBlockedError } from './response-blocked-error.js';
import type { ResponseFinding } from './response-finding.js';
import { highestOf } from './response-finding.js';
import type { CheckResponseOptions } from './response-scanner.js';
import { createResponseScanner } from './response-scanner.js';

/** What `checkResponse` returns. */
export interface CheckResponseResult {
  findings: ResponseFinding[];
  /** The highest severity found, or `undefined` for none. */
  highest: Severity | undefined;
  /** The checked text with every `redact` finding replaced (the URL, the run, the token). */
  text: string;
}

/** Most text parts read from one provider response. */
const MAX_PARTS = 10_000;
/**
 * Longest text `checkResponse` checks at once (16 MiB of UTF-16): past it a
 * typed error, not a call that runs for many seconds. Longer output is checked
 * as a stream with `createResponseGuard`, whose memory is bounded by its window.
 */
const MAX_RESPONSE_CHARS = 16 * 1024 * 1024;

/**
 * Checks model output against the payload it answers: URLs that would be
 * fetched or followed to hosts not in `allowHosts`; URLs carrying ≥ 8 bytes
 * of untrusted, secret-bearing or `pii` context (as written or percent,
 * base64, base64url or hex decoded, also split across query parameters,
 * path segments or subdomain labels — on allowed hosts too); the live
 * boundary nonce, the boundary notice or a long run of the system prompt;
 * secrets, special tokens and smuggled or invisible characters (the escape
 * detectors). `output` is text, or an OpenAI chat completion, an OpenAI
 * Responses response, an Anthropic message or an AI SDK `generateText`
 * result (its text parts, joined by `\n`). Linear in the output.
 *
 * @throws {ResponseBlockedError} when a finding's action is `block`.
 * @example
 * const { findings, text } = checkResponse(completion, { payload, allowHosts: ['docs.example.com'] });
 */
export function checkResponse(output: unknown, options: CheckResponseOptions = {}): CheckResponseResult {
  const text = responseText(output);
  if (text.length > MAX_RESPONSE_CHARS) {
    throw new InvalidArgumentError({
      path: 'output',
      expected: `at most ${MAX_RESPONSE_CHARS} characters of text (stream longer output through createResponseGuard)`,
      value: `${text.length} characters`,
    });
  }
  const scanner = createResponseScanner(options);
  const checked = scanner.push(text) + scanner.end();
  const findings = scanner.findings;
  if (scanner.blocked) throw new ResponseBlockedError({ findings });
  return { findings, highest: highestOf(findings), text: checked };
}

/**
 * The text of a model response: a string as it is, or the text parts of an
 * OpenAI chat completion (`choices[].message.content`), an OpenAI Responses
 * response (`output[].content[].text`, or `output_text`), an Anthropic
 * message (`content[].text`) or an AI SDK result (`text`), joined by `\n`.
 */
export function responseText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (!isRecord(output)) {
    throw new InvalidArgumentError({
      path: 'output',
      expected: 'text or a provider response object',
      value: output,
    });
  }
  const parts: string[] = [];
  const take = (v: unknown) => {
    if (typeof v === 'string' && parts.length < MAX_PARTS) parts.push(v);
  };
  const each = (list: unknown, fn: (item: Record<string, unknown>) => void) => {
    if (!Array.isArray(list)) return;
    const n = Math.min(list.length, MAX_PARTS);
    for (let i = 0; i < n; i++) {
      const item = list[i];
      if (isRecord(item)) fn(item);
    }
  };
  if (Array.isArray(output['choices'])) {
    each(output['choices'], (c) => {
      const message = isRecord(c['message']) ? c['message'] : c;
      const content = message['content'];
      if (Array.isArray(content)) each(content, (p) => take(p['text']));
      else take(content);
      take(message['refusal']);
    });
  } else if (Array.isArray(output['output'])) {
    each(output['output'], (item) => each(item['content'], (p) => take(p['text'] ?? p['refusal'])));
    if (parts.length === 0) take(output['output_text']);
  } else if (Array.isArray(output['content'])) {
    each(output['content'], (p) => {
      if (p['type'] === undefined || p['type'] === 'text') take(p['text']);
    });
  } else if (typeof output['text'] === 'string') {
    take(output['text']);
  } else {
    throw new InvalidArgumentError({
      path: 'output',
      expected: 'an OpenAI chat completion or response, an Anthropic message, or an AI SDK result',
      value: output,
    });
  }
  return parts.join('\n');
}
