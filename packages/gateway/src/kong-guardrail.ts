import { isRecord } from '@ctxpack/block/kernel';
import { responseText } from 'ctxpack';
import type { DecisionEngine } from './gateway-decision.js';

/** The path the Kong AI Custom Guardrail plugin's `config.request.url` points at. */
export const KONG_GUARDRAIL_PATH = '/kong/guardrail';

/** What this endpoint answers; the plugin reads it with `response.block: $(resp.block)` and `response.block_message: $(resp.block_message)`. */
export interface KongGuardrailResponse {
  block: boolean;
  block_message: string;
  /** `allow` or the failed check's code. */
  code: string;
  decision: string;
}

function outputTexts(body: unknown, content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (typeof body !== 'string') return [];
  try {
    return [responseText(JSON.parse(body))];
  } catch {
    return [body];
  }
}

/**
 * Answers one Kong AI Custom Guardrail (Kong Gateway 3.14) call. The plugin's
 * `config.request.body` template sends `source` (`INPUT` or `OUTPUT`),
 * `tenant` (the consumer), `body` (the raw request or response body) and
 * `envelope` (the `x-ctxpack-envelope` header) and, for output, optionally
 * `content` (the text to check). INPUT verifies the body; OUTPUT runs the
 * output guard, and since the plugin can only block (`allow_masking` off),
 * any `block` or `redact` finding blocks.
 */
export async function answerKong(payload: unknown, engine: DecisionEngine): Promise<KongGuardrailResponse> {
  if (!isRecord(payload)) {
    return {
      block: true,
      block_message: 'ctxpack body_invalid: the guardrail request is not an object',
      code: 'body_invalid',
      decision: '',
    };
  }
  const tenant = engine.tenantFor('kong', payload['tenant']);
  const decision =
    payload['source'] === 'OUTPUT'
      ? await engine.checkOutput({
          contract: 'kong',
          tenant,
          texts: outputTexts(payload['body'], payload['content']),
        })
      : await engine.verify({
          contract: 'kong',
          tenant,
          body: typeof payload['body'] === 'string' ? payload['body'] : undefined,
          envelope: payload['envelope'],
        });
  const block = !decision.allow || decision.texts !== undefined;
  const code = decision.allow && decision.texts !== undefined ? 'output_redacted' : decision.code;
  return {
    block,
    block_message: block ? `ctxpack ${code}: ${decision.message} (decision ${decision.id})` : '',
    code,
    decision: decision.id,
  };
}
