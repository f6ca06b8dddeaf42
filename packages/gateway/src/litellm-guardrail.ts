import { isRecord } from '@ctxpack/block/kernel';
import type { Decision, DecisionEngine } from './gateway-decision.js';

/** The path LiteLLM's `generic_guardrail_api` posts to (it appends it to `api_base`). */
export const LITELLM_GUARDRAIL_PATH = '/beta/litellm_basic_guardrail_api';

/** Most string values collected from one signed request for the coverage check. */
const MAX_STRINGS = 200_000;

/** LiteLLM's Generic Guardrail API response (`action`, `blocked_reason`, `texts`). */
export interface LiteLlmGuardrailResponse {
  action: 'NONE' | 'BLOCKED' | 'GUARDRAIL_INTERVENED';
  blocked_reason?: string;
  texts?: string[];
}

// Every string value of the verified request, iteratively (no recursion on
// attacker-shaped depth; the strict parser already bounded it).
function stringsOf(request: unknown): Set<string> {
  const out = new Set<string>();
  const stack: unknown[] = [request];
  while (stack.length > 0 && out.size < MAX_STRINGS) {
    const value = stack.pop();
    if (typeof value === 'string') out.add(value);
    else if (Array.isArray(value)) for (const item of value) stack.push(item);
    else if (isRecord(value)) for (const key of Object.keys(value)) stack.push(value[key]);
  }
  return out;
}

// The texts LiteLLM will forward, as its payload lists them: `texts`, the text
// of every `structured_messages` entry, and tool names.
function forwardedTexts(payload: Record<string, unknown>): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  const texts = payload['texts'];
  if (Array.isArray(texts)) {
    texts.forEach((text, i) => {
      if (typeof text === 'string') out.push({ where: `texts[${i}]`, text });
    });
  }
  const messages = payload['structured_messages'];
  if (Array.isArray(messages)) {
    messages.forEach((message, i) => {
      if (!isRecord(message)) return;
      const content = message['content'];
      if (typeof content === 'string')
        out.push({ where: `structured_messages[${i}].content`, text: content });
      else if (Array.isArray(content)) {
        content.forEach((part, j) => {
          if (isRecord(part) && typeof part['text'] === 'string') {
            out.push({ where: `structured_messages[${i}].content[${j}].text`, text: part['text'] });
          }
        });
      }
    });
  }
  const tools = payload['tools'];
  if (Array.isArray(tools)) {
    tools.forEach((tool, i) => {
      const fn = isRecord(tool) && isRecord(tool['function']) ? tool['function'] : undefined;
      if (fn !== undefined && typeof fn['name'] === 'string') {
        out.push({ where: `tools[${i}].function.name`, text: fn['name'] });
      }
    });
  }
  return out;
}

function blocked(decision: Decision): LiteLlmGuardrailResponse {
  return {
    action: 'BLOCKED',
    blocked_reason: `ctxpack ${decision.code}: ${decision.message} (decision ${decision.id})`,
  };
}

/**
 * Answers one LiteLLM Generic Guardrail API call. `input_type: "request"`
 * (pre_call): the signed request body and its `x-ctxpack-envelope` value
 * arrive as `additional_provider_specific_params.ctxpack_body` and
 * `.ctxpack_envelope` (per-request guardrail params); the body is verified,
 * and every text LiteLLM lists (`texts`, `structured_messages`, tool names)
 * must be a string of the verified request, or the call is BLOCKED with
 * `content_mismatch`. `input_type: "response"` (post_call): `texts` run
 * through `checkResponse`; a block finding is BLOCKED, redactions come back
 * as GUARDRAIL_INTERVENED with the redacted `texts`.
 */
export async function answerLiteLlm(
  payload: unknown,
  engine: DecisionEngine,
): Promise<LiteLlmGuardrailResponse> {
  if (!isRecord(payload)) {
    return {
      action: 'BLOCKED',
      blocked_reason: 'ctxpack body_invalid: the guardrail request is not an object',
    };
  }
  const requestData = isRecord(payload['request_data']) ? payload['request_data'] : {};
  const tenant = engine.tenantFor('litellm', requestData['user_api_key_team_id']);
  if (payload['input_type'] === 'response') {
    const texts = Array.isArray(payload['texts'])
      ? (payload['texts'] as unknown[]).filter((t): t is string => typeof t === 'string')
      : [];
    const decision = await engine.checkOutput({ contract: 'litellm', tenant, texts });
    if (!decision.allow) return blocked(decision);
    if (decision.texts !== undefined) return { action: 'GUARDRAIL_INTERVENED', texts: [...decision.texts] };
    return { action: 'NONE' };
  }
  const params = isRecord(payload['additional_provider_specific_params'])
    ? payload['additional_provider_specific_params']
    : {};
  const body = params['ctxpack_body'];
  const forwarded = forwardedTexts(payload);
  const decision = await engine.verify({
    contract: 'litellm',
    tenant,
    body: typeof body === 'string' ? body : undefined,
    envelope: params['ctxpack_envelope'],
    check: (request) => {
      const signed = stringsOf(request);
      for (const { where, text } of forwarded) {
        if (!signed.has(text)) {
          return { code: 'content_mismatch', message: `${where} is not a string of the signed request` };
        }
      }
      return undefined;
    },
  });
  return decision.allow ? { action: 'NONE' } : blocked(decision);
}
