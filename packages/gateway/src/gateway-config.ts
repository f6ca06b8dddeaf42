import { z } from 'zod';
import type { GatewayConfigIssue } from './gateway-config-error.js';
import { GatewayConfigError } from './gateway-config-error.js';

const name = z.string().min(1).max(256);

const tenantSchema: z.ZodType<TenantConfig> = z.strictObject({
  /** The tenant id signed into manifests. */
  id: name,
  /** The audience this gateway is for the tenant; manifests must name it. */
  audience: name,
  /** The key set (a name under `keySets`) whose keys may vouch for this tenant. */
  keySet: name,
  /** LiteLLM team ids (`request_data.user_api_key_team_id`) that are this tenant. */
  litellmTeams: z.array(name).max(1024).optional(),
  /** Kong consumer names (the `tenant` the plugin config sends) that are this tenant. */
  kongConsumers: z.array(name).max(1024).optional(),
});

const keySetSchema = z.strictObject({
  /** Path of a JWKS file (resolved against the config file's folder by the Node server). */
  jwks: z.string().min(1).max(4096),
});

const replaySchema = z.discriminatedUnion('store', [
  z.strictObject({ store: z.literal('memory') }),
  z.strictObject({
    store: z.literal('redis'),
    url: z.string().min(1).max(4096),
    prefix: z.string().max(256).optional(),
    timeoutMs: z.int().min(1).max(600_000).optional(),
  }),
]);

const auditSchema = z.discriminatedUnion('store', [
  z.strictObject({ store: z.literal('none') }),
  z.strictObject({ store: z.literal('memory') }),
  z.strictObject({
    store: z.literal('redis'),
    /** Defaults to the replay store's URL. */
    url: z.string().min(1).max(4096).optional(),
    stream: z.string().min(1).max(512),
    timeoutMs: z.int().min(1).max(600_000).optional(),
  }),
]);

const limitsSchema = z.strictObject({
  /** Largest request body read, in bytes (default 8 MiB, at most 64 MiB). */
  maxBodyBytes: z
    .int()
    .min(1)
    .max(64 * 1024 * 1024)
    .optional(),
  /** Longest `x-ctxpack-envelope` value, in characters (default and most 8192). */
  maxHeaderBytes: z.int().min(64).max(8192).optional(),
});

const configSchema: z.ZodType<GatewayConfig> = z.strictObject({
  tenants: z.array(tenantSchema).min(1).max(1024),
  keySets: z.record(name, keySetSchema),
  replay: replaySchema,
  audit: auditSchema.optional(),
  limits: limitsSchema.optional(),
  /** Clock skew tolerated on both ends of the validity window (default 60 s). */
  skewSeconds: z.int().min(0).max(3600).optional(),
  /** Hosts URLs in model output may point to (post-call `checkResponse`). */
  allowHosts: z.array(z.string().min(1).max(253)).max(1024).optional(),
  /** Names this gateway in audit records (default `gateway`). */
  instance: name.optional(),
});

/** One tenant the gateway verifies for. */
export interface TenantConfig {
  /** The tenant id signed into manifests. */
  id: string;
  /** The audience this gateway is for the tenant; manifests must name it. */
  audience: string;
  /** The key set (a name under `keySets`) whose keys may vouch for this tenant. */
  keySet: string;
  /** LiteLLM team ids (`request_data.user_api_key_team_id`) that are this tenant. */
  litellmTeams?: string[] | undefined;
  /** Kong consumer names (the `tenant` the plugin config sends) that are this tenant. */
  kongConsumers?: string[] | undefined;
}

/** A validated gateway config (see the package README for the file format). */
export interface GatewayConfig {
  tenants: TenantConfig[];
  /** Key sets by name; `jwks` is a JWKS file path (resolved against the config file's folder). */
  keySets: Record<string, { jwks: string }>;
  replay:
    | { store: 'memory' }
    | { store: 'redis'; url: string; prefix?: string | undefined; timeoutMs?: number | undefined };
  audit?:
    | { store: 'none' }
    | { store: 'memory' }
    | { store: 'redis'; url?: string | undefined; stream: string; timeoutMs?: number | undefined }
    | undefined;
  limits?: { maxBodyBytes?: number | undefined; maxHeaderBytes?: number | undefined } | undefined;
  /** Clock skew tolerated on both ends of the validity window (default 60 s). */
  skewSeconds?: number | undefined;
  /** Hosts URLs in model output may point to (post-call `checkResponse`). */
  allowHosts?: string[] | undefined;
  /** Names this gateway in audit records (default `gateway`). */
  instance?: string | undefined;
}

/** Default body limit: 8 MiB. */
export const DEFAULT_MAX_BODY_BYTES: number = 8 * 1024 * 1024;

function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * Validates a gateway config (parsed JSON or its text) and returns it typed;
 * every problem is reported with its path in one {@link GatewayConfigError}:
 * unknown fields, wrong types, out-of-range limits, duplicate tenants, a
 * tenant naming a key set that is not defined.
 *
 * @example
 * const config = parseGatewayConfig(await readFile('gateway.json', 'utf8'), 'gateway.json');
 */
export function parseGatewayConfig(input: unknown, source = 'config'): GatewayConfig {
  let value = input;
  if (typeof input === 'string') {
    if (input.length > 4 * 1024 * 1024) {
      throw new GatewayConfigError({ source, issues: [{ path: '(root)', message: 'is over 4 MiB' }] });
    }
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new GatewayConfigError({ source, issues: [{ path: '(root)', message: 'is not JSON' }], cause });
    }
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    throw new GatewayConfigError({
      source,
      issues: parsed.error.issues.map((issue) => ({
        path: formatIssuePath(issue.path),
        message: issue.message,
      })),
    });
  }
  const config = parsed.data;
  const issues: GatewayConfigIssue[] = [];
  const seen = new Set<string>();
  config.tenants.forEach((tenant, i) => {
    if (seen.has(tenant.id))
      issues.push({ path: `tenants[${i}].id`, message: `duplicate tenant ${tenant.id}` });
    seen.add(tenant.id);
    if (!Object.hasOwn(config.keySets, tenant.keySet)) {
      issues.push({
        path: `tenants[${i}].keySet`,
        message: `no key set named ${JSON.stringify(tenant.keySet)}`,
      });
    }
  });
  if (config.audit?.store === 'redis' && config.audit.url === undefined && config.replay.store !== 'redis') {
    issues.push({ path: 'audit.url', message: 'is required unless the replay store is redis' });
  }
  if (issues.length > 0) throw new GatewayConfigError({ source, issues });
  return config;
}
