import type { TenantConfig } from './gateway-config.js';

/** The verdict on one request or response, as every contract reports it. */
export interface Decision {
  allow: boolean;
  /** `allow`, or the code of the failed check (a `VerificationError` code, `replay_store_unavailable`, …). */
  code: string;
  message: string;
  /** The decision id: in the `x-ctxpack-decision` header and the audit record. */
  id: string;
  /** HTTP status `POST /verify` answers with. */
  status: number;
  tenant?: string;
  nonce?: string;
  keyIds?: readonly string[];
  /** Output checks: the texts with every `redact` finding replaced, when any was. */
  texts?: readonly string[];
}

/** What the contract adapters need from the handler. */
export interface DecisionEngine {
  /** The tenant a contract named (LiteLLM team, Kong consumer, `x-ctxpack-tenant`), or the only one. */
  tenantFor(kind: 'id' | 'litellm' | 'kong', value: unknown): TenantConfig | undefined;
  /**
   * Verifies `body` under the envelope header value for `tenant`, then runs
   * `check` on the verified request; claims the nonce, audits and counts.
   */
  verify(input: {
    contract: string;
    tenant: TenantConfig | undefined;
    body: string | Uint8Array | undefined;
    envelope: unknown;
    check?: (request: unknown) => { code: string; message: string } | undefined;
  }): Promise<Decision>;
  /** Runs the output guard over model output texts; audits and counts. */
  checkOutput(input: {
    contract: string;
    tenant: TenantConfig | undefined;
    texts: readonly string[];
  }): Promise<Decision>;
}
