import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord, readBoundedBody } from '@ctxpack/block/kernel';
import type { AuditRecord } from '@ctxpack/provenance';
import { createAuditRecord, parseStrictJson } from '@ctxpack/provenance';
import type { Keyring, NativeCrypto, ReplayClaim, ReplayOutcome, ReplayStore } from '@ctxpack/sign';
import {
  CtxpackError,
  checkResponse,
  decodeEnvelopeHeader,
  ENVELOPE_HEADER,
  ResponseBlockedError,
  verifyPayload,
} from 'ctxpack';
import type { GatewayConfig, TenantConfig } from './gateway-config.js';
import { DEFAULT_MAX_BODY_BYTES, parseGatewayConfig } from './gateway-config.js';
import type { Decision, DecisionEngine } from './gateway-decision.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import { importJwks } from './jwks.js';
import { answerKong, KONG_GUARDRAIL_PATH } from './kong-guardrail.js';
import { answerLiteLlm, LITELLM_GUARDRAIL_PATH } from './litellm-guardrail.js';

/**
 * Where decisions are recorded: `@ctxpack/provenance`'s `createAuditLog`, or
 * `createRedisAuditStream`. `decision` is the decision's id (a sink may fence
 * on it). A sink with `claimAndAppend` also claims the nonces: the gateway then
 * claims each verified payload's nonce and records its decision in one step,
 * instead of through `replay`, so it must share the replay store's Redis and
 * nonce prefix.
 */
export interface GatewayAuditSink {
  append(record: AuditRecord, options?: { decision: string }): Promise<unknown>;
  claimAndAppend?(
    nonce: string,
    claim: ReplayClaim,
    recordFor: (outcome: ReplayOutcome) => AuditRecord,
    options: { decision: string },
  ): Promise<{ outcome: ReplayOutcome }>;
}

/** Options of {@link createGatewayHandler}. */
export interface GatewayHandlerOptions {
  /** The gateway config (validated with `parseGatewayConfig`). */
  config: GatewayConfig | unknown;
  /** Reads a key set's JWKS (object or JSON text) given its name and `jwks` source; called by `reloadKeys`. */
  loadKeySet: (name: string, source: string) => unknown;
  /** Where nonces are claimed (memory or `createRedisReplayStore`). Required: the gateway fails closed. */
  replay: ReplayStore;
  /** Where each decision is recorded before it is answered; an append failure denies (`audit_unavailable`). */
  audit?: GatewayAuditSink;
  /** Host crypto for verification in place of WebCrypto (`createNodeCrypto()` in Node; the server passes it). */
  native?: NativeCrypto;
}

/** A fetch-API handler with its key sets and metrics. */
export interface GatewayHandler {
  (request: Request): Promise<Response>;
  /** Re-reads every key set; a set that fails to load keeps its previous keys. Resolves to the failures. */
  reloadKeys(): Promise<{ name: string; error: unknown }[]>;
  readonly metrics: GatewayMetrics;
}

const DECISION_HEADER = 'x-ctxpack-decision';
const TENANT_HEADER = 'x-ctxpack-tenant';
const STORE_CODES: ReadonlySet<string> = new Set([
  'replay_store_unavailable',
  'audit_unavailable',
  'keys_unavailable',
]);

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

function statusOf(code: string): number {
  if (code === 'allow') return 200;
  if (STORE_CODES.has(code)) return 503;
  if (code === 'internal_error') return 500;
  return 403;
}

/**
 * The verifying guardrail service as a fetch-API handler (`(Request) =>
 * Promise<Response>`): Node's `http` through `startGatewayServer`, or a
 * worker, Deno or Bun as is. Endpoints: `POST /verify` (raw body plus
 * `x-ctxpack-envelope`; tenant from `x-ctxpack-tenant` or the only one;
 * 200 allow, 403 deny with the code, 503 when a store is unavailable),
 * `POST /beta/litellm_basic_guardrail_api` (LiteLLM Generic Guardrail API),
 * `POST /kong/guardrail` (Kong AI Custom Guardrail), `GET /healthz`,
 * `GET /metrics` (Prometheus text). Every decision is claimed, audited and
 * counted before it is answered, and every failure denies.
 *
 * @example
 * const handler = createGatewayHandler({ config, loadKeySet: () => jwks, replay: createMemoryReplayStore() });
 * const response = await handler(new Request('http://gateway/verify', { method: 'POST', headers, body }));
 */
export function createGatewayHandler(options: GatewayHandlerOptions): GatewayHandler {
  if (!isRecord(options)) {
    throw new InvalidArgumentError({
      path: 'options',
      expected: 'an object { config, loadKeySet, replay }',
      value: options,
    });
  }
  const config = parseGatewayConfig(options.config);
  const native = options.native;
  if (
    native !== undefined &&
    (!isRecord(native) ||
      typeof native['sha256'] !== 'function' ||
      typeof native['verifyEd25519'] !== 'function')
  ) {
    throw new InvalidArgumentError({
      path: 'options.native',
      expected: 'a NativeCrypto { sha256, verifyEd25519 } (createNodeCrypto() in Node)',
      value: native,
    });
  }
  if (typeof options.loadKeySet !== 'function') {
    throw new InvalidArgumentError({
      path: 'options.loadKeySet',
      expected: 'a function (name, source) => JWKS',
      value: options.loadKeySet,
    });
  }
  if (!isRecord(options.replay) || typeof options.replay['claim'] !== 'function') {
    throw new InvalidArgumentError({
      path: 'options.replay',
      expected: 'a ReplayStore',
      value: options.replay,
    });
  }
  if (
    options.audit !== undefined &&
    (!isRecord(options.audit) ||
      typeof options.audit['append'] !== 'function' ||
      (options.audit['claimAndAppend'] !== undefined &&
        typeof options.audit['claimAndAppend'] !== 'function'))
  ) {
    throw new InvalidArgumentError({
      path: 'options.audit',
      expected: 'an audit sink { append(record) }',
      value: options.audit,
    });
  }
  const { loadKeySet, replay, audit } = options;
  const claiming = typeof audit?.claimAndAppend === 'function';
  const metrics = createGatewayMetrics();
  const keyrings = new Map<string, Keyring>();
  const maxBodyBytes = config.limits?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxHeaderChars = config.limits?.maxHeaderBytes ?? 8192;
  const skewSeconds = config.skewSeconds ?? 60;
  const instance = config.instance ?? 'gateway';
  const byTeam = new Map<string, TenantConfig>();
  const byConsumer = new Map<string, TenantConfig>();
  const byId = new Map<string, TenantConfig>();
  for (const tenant of config.tenants) {
    byId.set(tenant.id, tenant);
    for (const team of tenant.litellmTeams ?? []) byTeam.set(team, tenant);
    for (const consumer of tenant.kongConsumers ?? []) byConsumer.set(consumer, tenant);
  }
  const only = config.tenants.length === 1 ? config.tenants[0] : undefined;

  async function reloadKeys(): Promise<{ name: string; error: unknown }[]> {
    const failures: { name: string; error: unknown }[] = [];
    for (const [name, keySet] of Object.entries(config.keySets)) {
      try {
        keyrings.set(name, importJwks(await loadKeySet(name, keySet.jwks), keySet.jwks));
        metrics.reload('ok');
      } catch (error) {
        failures.push({ name, error });
        metrics.reload('failed');
      }
    }
    return failures;
  }
  const firstLoad = reloadKeys();

  function auditRecordOf(
    decision: Decision,
    contract: string,
    event: string,
    manifest: unknown,
  ): AuditRecord {
    return createAuditRecord({
      event,
      ...(manifest === undefined ? {} : { manifest }),
      findings: {
        id: decision.id,
        instance,
        contract,
        decision: decision.allow ? 'allow' : 'deny',
        code: decision.code,
        ...(decision.tenant === undefined ? {} : { tenant: decision.tenant }),
        ...(decision.nonce === undefined ? {} : { nonce: decision.nonce }),
      },
    });
  }

  /**
   * The claim and the record of a verified payload in one step of the audit
   * sink: `allow` is the decision if the nonce is claimed; a replayed or
   * expired nonce is that deny (as `verifyPayload` words it), recorded in
   * its place. Nothing recorded: the store was unavailable.
   */
  async function claimAndRecord(
    allow: Decision,
    claim: { nonce: string; request: ReplayClaim },
    contract: string,
    manifest: unknown,
  ): Promise<Decision> {
    const claimAndAppend = audit?.claimAndAppend as NonNullable<GatewayAuditSink['claimAndAppend']>;
    const outcomeDecision = (outcome: ReplayOutcome): Decision =>
      outcome === 'claimed'
        ? allow
        : outcome === 'replayed'
          ? deny(allow.id, 'replayed', `nonce ${claim.nonce} was already accepted`, allow.tenant)
          : deny(allow.id, 'expired', "payload expired by the replay store's clock", allow.tenant);
    try {
      const { outcome } = await claimAndAppend.call(
        audit,
        claim.nonce,
        claim.request,
        (outcome) => auditRecordOf(outcomeDecision(outcome), contract, 'gateway.verify', manifest),
        { decision: allow.id },
      );
      return outcomeDecision(outcome);
    } catch (cause) {
      metrics.storeError('replay');
      return deny(
        allow.id,
        'replay_store_unavailable',
        `the replay and audit store could not claim and record the decision: ${(cause as Error)?.message}`,
        allow.tenant,
      );
    }
  }

  async function record(
    decision: Decision,
    contract: string,
    event: string,
    manifest?: unknown,
  ): Promise<Decision> {
    if (audit === undefined) return decision;
    try {
      await audit.append(auditRecordOf(decision, contract, event, manifest), { decision: decision.id });
      return decision;
    } catch (cause) {
      metrics.storeError('audit');
      // Never answer a decision the trail does not hold: fail closed.
      return deny(
        decision.id,
        'audit_unavailable',
        `the audit store could not record the decision: ${(cause as Error)?.message}`,
        decision.tenant,
      );
    }
  }

  function deny(id: string, code: string, message: string, tenant?: string): Decision {
    return {
      allow: false,
      code,
      message,
      id,
      status: statusOf(code),
      ...(tenant === undefined ? {} : { tenant }),
    };
  }

  const engine: DecisionEngine = {
    tenantFor(kind, value) {
      if (typeof value === 'string') {
        const map = kind === 'litellm' ? byTeam : kind === 'kong' ? byConsumer : byId;
        return map.get(value) ?? (kind === 'id' ? undefined : byId.get(value));
      }
      return only;
    },

    async verify({ contract, tenant, body, envelope, check }) {
      const started = performance.now();
      const id = crypto.randomUUID();
      let decision: Decision;
      let manifest: unknown;
      let claimed: { nonce: string; request: ReplayClaim } | undefined;
      const deferClaim: ReplayStore = {
        claim(nonce, request) {
          claimed = { nonce, request };
          return Promise.resolve('claimed');
        },
      };
      if (tenant === undefined) {
        decision = deny(id, 'tenant_unknown', 'the request names no tenant this gateway serves');
      } else if (body === undefined) {
        decision = deny(id, 'body_invalid', 'no request body to verify', tenant.id);
      } else if (typeof envelope !== 'string' || envelope.length > maxHeaderChars) {
        decision = deny(
          id,
          'malformed_envelope',
          `${ENVELOPE_HEADER} is missing or over ${maxHeaderChars} characters`,
          tenant.id,
        );
      } else {
        await firstLoad;
        const keys = keyrings.get(tenant.keySet);
        if (keys === undefined) {
          decision = deny(id, 'keys_unavailable', `key set ${tenant.keySet} is not loaded`, tenant.id);
        } else {
          try {
            const verified = await verifyPayload(
              { body, envelope: decodeEnvelopeHeader(envelope) },
              {
                keys,
                tenant: tenant.id,
                audience: tenant.audience,
                // The claim is verifyPayload's last step: with a claiming sink it is only taken down
                // here and made below, with the decision's record.
                replay: claiming ? deferClaim : replay,
                skewSeconds,
                ...(native === undefined ? {} : { native }),
              },
            );
            manifest = verified.manifest;
            const problem = check?.(parseStrictJson(body));
            decision =
              problem === undefined
                ? {
                    allow: true,
                    code: 'allow',
                    message: 'verified',
                    id,
                    status: 200,
                    tenant: tenant.id,
                    nonce: verified.manifest.nonce,
                    keyIds: verified.keyIds,
                  }
                : deny(id, problem.code, problem.message, tenant.id);
          } catch (error) {
            if (CtxpackError.isInstance(error)) {
              if (error.code === 'replay_store_unavailable') metrics.storeError('replay');
              decision = deny(id, error.code, error.message, tenant.id);
            } else {
              decision = deny(id, 'internal_error', 'verification failed unexpectedly', tenant.id);
            }
          }
        }
      }
      // A store outage leaves nowhere to record; the deny is still counted.
      const final = STORE_CODES.has(decision.code)
        ? decision
        : claimed !== undefined && decision.allow
          ? await claimAndRecord(decision, claimed, contract, manifest)
          : await record(decision, contract, 'gateway.verify', manifest);
      metrics.observe(contract, final.code, (performance.now() - started) / 1000);
      return final;
    },

    async checkOutput({ contract, tenant, texts }) {
      const started = performance.now();
      const id = crypto.randomUUID();
      let decision: Decision;
      const allowHosts = config.allowHosts ?? [];
      try {
        let changed = false;
        const out: string[] = [];
        for (const text of texts) {
          const result = checkResponse(text, { allowHosts });
          if (result.text !== text) changed = true;
          out.push(result.text);
        }
        decision = {
          allow: true,
          code: 'allow',
          message: changed ? 'output redacted' : 'output checked',
          id,
          status: 200,
          ...(tenant === undefined ? {} : { tenant: tenant.id }),
          ...(changed ? { texts: out } : {}),
        };
      } catch (error) {
        const code = ResponseBlockedError.isInstance(error)
          ? error.code
          : CtxpackError.isInstance(error)
            ? error.code
            : 'internal_error';
        decision = deny(id, code, (error as Error).message, tenant?.id);
      }
      const final = await record(decision, contract, 'gateway.check-response');
      metrics.observe(`${contract}-output`, final.code, (performance.now() - started) / 1000);
      return final;
    },
  };

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === 'GET' && url.pathname === '/healthz') {
      await firstLoad;
      const missing = Object.keys(config.keySets).filter((name) => !keyrings.has(name));
      return json(missing.length === 0 ? 200 : 503, {
        status: missing.length === 0 ? 'ok' : 'keys_unavailable',
        missing,
      });
    }
    if (request.method === 'GET' && url.pathname === '/metrics') {
      return new Response(metrics.render(), { headers: { 'content-type': 'text/plain; version=0.0.4' } });
    }
    const known =
      url.pathname === '/verify' ||
      url.pathname === LITELLM_GUARDRAIL_PATH ||
      url.pathname === KONG_GUARDRAIL_PATH;
    if (!known) return json(404, { error: { code: 'not_found', message: `no endpoint ${url.pathname}` } });
    if (request.method !== 'POST')
      return json(405, { error: { code: 'method_not_allowed', message: 'use POST' } });
    const body = await readBoundedBody(request, maxBodyBytes);
    if (body === undefined) {
      return json(413, {
        error: { code: 'body_invalid', message: `the body is over ${maxBodyBytes} bytes` },
      });
    }
    if (url.pathname === '/verify') {
      const decision = await engine.verify({
        contract: 'verify',
        tenant: engine.tenantFor('id', request.headers.get(TENANT_HEADER) ?? undefined),
        body,
        envelope: request.headers.get(ENVELOPE_HEADER) ?? undefined,
      });
      return json(
        decision.status,
        decision.allow
          ? {
              decision: 'allow',
              id: decision.id,
              tenant: decision.tenant,
              nonce: decision.nonce,
              keyIds: decision.keyIds,
            }
          : { decision: 'deny', id: decision.id, code: decision.code, message: decision.message },
        { [DECISION_HEADER]: decision.id },
      );
    }
    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    } catch {
      return json(400, {
        error: { code: 'body_invalid', message: 'the guardrail request is not UTF-8 JSON' },
      });
    }
    if (url.pathname === LITELLM_GUARDRAIL_PATH) return json(200, await answerLiteLlm(payload, engine));
    return json(200, await answerKong(payload, engine));
  }

  const handler = async (request: Request): Promise<Response> => {
    try {
      return await route(request);
    } catch {
      return json(500, {
        error: { code: 'internal_error', message: 'the gateway failed; nothing was allowed' },
      });
    }
  };
  return Object.assign(handler, { reloadKeys, metrics });
}
