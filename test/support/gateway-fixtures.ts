import type { GatewayConfig } from '@ctxpack/gateway';
import { exportJwks } from '@ctxpack/gateway';
import type { KeyPair } from '@ctxpack/sign';
import { createContext, encodeEnvelopeHeader, type Payload } from 'ctxpack';

/** A gateway config for tenants acme (LiteLLM team team-acme, Kong consumer acme-consumer) and globex. */
export function gatewayConfig(overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    tenants: [
      {
        id: 'acme',
        audience: 'gateway',
        keySet: 'main',
        litellmTeams: ['team-acme'],
        kongConsumers: ['acme-consumer'],
      },
      { id: 'globex', audience: 'gateway', keySet: 'main' },
    ],
    keySets: { main: { jwks: 'keys.jwks.json' } },
    replay: { store: 'memory' },
    audit: { store: 'memory' },
    ...overrides,
  };
}

/** A JWKS holding `keys`, all active. */
export function jwksOf(...keys: KeyPair[]): string {
  return JSON.stringify(exportJwks(keys.map((key) => ({ key }))));
}

/** A signed request as a client sends it: the exact body and the envelope header value. */
export interface SignedRequest {
  payload: Payload;
  body: string;
  envelope: string;
}

/** Assembles and signs a small request for `tenant` with `signer`. */
export async function signRequest(
  signer: KeyPair,
  options: {
    tenant?: string;
    target?: 'openai-chat' | 'openai-responses' | 'anthropic';
    now?: Date;
    ttlSeconds?: number;
    document?: string;
  } = {},
): Promise<SignedRequest> {
  const ctx = createContext({ tenant: options.tenant ?? 'acme', signer });
  ctx.system('You are a billing assistant.', { pinned: true });
  ctx.user('How much do I owe this month?', { pinned: true });
  ctx.document(options.document ?? 'Invoice 2026-01: 120.00 EUR, due 31 January.', {
    type: 'retrieval',
    uri: 'db://acme/invoices/2026-01',
  });
  const payload = await ctx.assemble({
    target: options.target ?? 'openai-chat',
    maxTokens: 4_000,
    audience: 'gateway',
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
  } as never);
  return {
    payload,
    body: JSON.stringify(payload.request),
    envelope: encodeEnvelopeHeader(payload.envelope),
  };
}

/** `POST /verify` of a signed request to `base`. */
export function verifyCall(
  base: string,
  signed: { body: string; envelope: string },
  tenant = 'acme',
): Request {
  return new Request(`${base}/verify`, {
    method: 'POST',
    headers: { 'x-ctxpack-envelope': signed.envelope, 'x-ctxpack-tenant': tenant },
    body: signed.body,
  });
}
