import type { ContextBlock, Trust } from '@ctxpack/block';
import { assertRecord } from '@ctxpack/block';
import { assertBlocks } from './check-input.js';
import { PolicyViolationError } from './policy-violation-error.js';

/** A message role, before a target names it (`developer`, `tool_result` …). */
export type Role = 'system' | 'user' | 'assistant' | 'tool';

/**
 * Which audiences a label may go to. Patterns are exact names, `prefix*`, or
 * `*`; `deny` wins over `allow`, and a rule with `allow` refuses every
 * audience it does not list.
 */
export interface LabelRule {
  allow?: readonly string[];
  deny?: readonly string[];
}

/** What serialization refuses to render. Every field is optional; see {@link DEFAULT_POLICY}. */
export interface SerializePolicy {
  /**
   * Roles each trust level may be rendered in. May only narrow the default:
   * `user` and `untrusted` can never be `system` (docs/design.md invariant 5).
   */
  roles?: Partial<Record<Trust, readonly Role[]>>;
  /** Per label, the audiences it may be sent to; merged over the default rules. */
  labels?: Readonly<Record<string, LabelRule>>;
  /** Most blocks per payload. */
  maxBlocks?: number;
  /** Most UTF-8 bytes of block content per payload. */
  maxBytes?: number;
}

/** A policy with every field filled in. */
export interface ResolvedPolicy {
  roles: Readonly<Record<Trust, readonly Role[]>>;
  labels: Readonly<Record<string, LabelRule>>;
  maxBlocks: number;
  maxBytes: number;
}

/**
 * The default: untrusted and user data only as user or tool messages; `pii`
 * only to audiences named `internal` or `internal:…` (never to an external
 * model API); at most 10,000 blocks and 64 MiB of content.
 */
export const DEFAULT_POLICY: ResolvedPolicy = Object.freeze({
  roles: Object.freeze({
    trusted: Object.freeze(['system', 'user', 'assistant', 'tool'] as Role[]),
    user: Object.freeze(['user', 'tool'] as Role[]),
    untrusted: Object.freeze(['user', 'tool'] as Role[]),
  }),
  labels: Object.freeze({ pii: Object.freeze({ allow: Object.freeze(['internal', 'internal:*']) }) }),
  maxBlocks: 10_000,
  maxBytes: 64 * 1024 * 1024,
});

/**
 * Fills in a policy from the defaults and checks that it is one ctxpack can
 * honour.
 *
 * @throws {PolicyViolationError} rule `policy` when it would let data into a system role or a limit is not a positive integer.
 */
export function resolvePolicy(policy: SerializePolicy | undefined): ResolvedPolicy {
  if (policy === undefined) return DEFAULT_POLICY;
  assertRecord(policy as unknown, 'policy');
  const roles = { ...DEFAULT_POLICY.roles, ...policy.roles };
  for (const trust of ['user', 'untrusted'] as const) {
    if (roles[trust].includes('system')) {
      throw new PolicyViolationError({
        rule: 'policy',
        message: `policy.roles.${trust} includes "system"; ${trust} content is always rendered as data, never as a system or developer role`,
      });
    }
  }
  const resolved: ResolvedPolicy = {
    roles,
    labels: { ...DEFAULT_POLICY.labels, ...policy.labels },
    maxBlocks: policy.maxBlocks ?? DEFAULT_POLICY.maxBlocks,
    maxBytes: policy.maxBytes ?? DEFAULT_POLICY.maxBytes,
  };
  for (const key of ['maxBlocks', 'maxBytes'] as const) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new PolicyViolationError({
        rule: 'policy',
        message: `policy.${key} must be a positive integer, got ${value}`,
      });
    }
  }
  return resolved;
}

/**
 * Checks the rules that depend on the blocks alone, before anything is
 * rendered: tenant isolation, limits, and label rules for the audience.
 *
 * @throws {PolicyViolationError} naming the first offending block and its rule.
 */
export function checkBlocks(
  blocks: readonly ContextBlock[],
  options: { tenant: string; audience: string; policy: ResolvedPolicy },
): void {
  assertBlocks(blocks, 'blocks');
  assertRecord(options, 'options');
  const { tenant, audience, policy } = options;
  assertRecord(policy, 'options.policy');
  if (blocks.length > policy.maxBlocks) {
    throw new PolicyViolationError({
      rule: 'max-blocks',
      blockId: blocks[policy.maxBlocks]?.id as string,
      message: `is block ${policy.maxBlocks + 1}; the policy allows at most ${policy.maxBlocks} blocks per payload`,
    });
  }
  let bytes = 0;
  for (const block of blocks) {
    if (block.tenant !== tenant) {
      throw new PolicyViolationError({
        rule: 'tenant',
        blockId: block.id,
        message: `belongs to tenant "${block.tenant}", not "${tenant}"; cross-tenant context is refused`,
      });
    }
    bytes += utf8Length(block.content);
    if (bytes > policy.maxBytes) {
      throw new PolicyViolationError({
        rule: 'max-bytes',
        blockId: block.id,
        message: `brings the payload to ${bytes} bytes of content; the policy allows at most ${policy.maxBytes}`,
      });
    }
    for (const label of block.labels) {
      const rule = policy.labels[label];
      if (rule !== undefined && !audienceAllowed(rule, audience)) {
        throw new PolicyViolationError({
          rule: 'label',
          blockId: block.id,
          message: `is labelled "${label}", which the policy does not allow to audience "${audience}"`,
        });
      }
    }
  }
}

/** Refuses a role that the policy does not allow for the block's trust. */
export function checkRole(block: ContextBlock, role: Role, policy: ResolvedPolicy): void {
  if (!policy.roles[block.trust].includes(role)) {
    throw new PolicyViolationError({
      rule: 'role',
      blockId: block.id,
      message: `is ${block.trust} ${block.kind} content and would be rendered as role "${role}", which the policy allows only for ${policy.roles[block.trust].join(', ') || 'no role'}`,
    });
  }
}

function audienceAllowed(rule: LabelRule, audience: string): boolean {
  if (rule.deny?.some((p) => matches(p, audience))) return false;
  return rule.allow === undefined || rule.allow.some((p) => matches(p, audience));
}

function matches(pattern: string, audience: string): boolean {
  return pattern.endsWith('*') ? audience.startsWith(pattern.slice(0, -1)) : pattern === audience;
}

/** UTF-8 length without encoding; a lone surrogate counts as U+FFFD (3 bytes), as TextEncoder would write it. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
