import type { ContextBlock, Trust } from '@ctxpack/block';
import { InvalidArgumentError, TRUST_LEVELS } from '@ctxpack/block';
import {
  assertArray,
  assertInteger,
  assertOneOf,
  assertRecord,
  assertString,
  utf8Length,
} from '@ctxpack/block/kernel';
import { toSkeleton } from '@ctxpack/escape';
import { assertBlocks } from './check-input.js';
import { PolicyViolationError } from './policy-violation-error.js';

/** A message role, before a target names it (`developer`, `tool_result` …). */
export type Role = 'system' | 'user' | 'assistant' | 'tool';

/**
 * Which audiences a label may go to. Patterns are exact names, `prefix*`, or
 * `*`; `deny` wins over `allow`, and a rule with `allow` refuses every
 * audience it does not list. Labels are compared by {@link normalizeLabel}
 * (so `PII`, `pii `, `pii\u200b` and Cyrillic `pіi` are `pii`), and a label
 * `a:b` is also bound by the rules of `a` (`pii:email` inherits `pii`).
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
 * honour: `roles` an object of role lists that never give `user` or
 * `untrusted` content the system role, `labels` an object of
 * `{ allow?, deny? }` pattern lists, limits positive integers.
 *
 * @throws {InvalidArgumentError} naming the offending path (e.g. `policy.roles.untrusted`).
 * @example
 * const policy = resolveSerializePolicy({ maxBlocks: 200 });
 */
export function resolveSerializePolicy(policy: SerializePolicy | undefined): ResolvedPolicy {
  if (policy === undefined) return DEFAULT_POLICY;
  assertRecord(policy as unknown, 'policy');
  const roles: Record<Trust, readonly Role[]> = { ...DEFAULT_POLICY.roles };
  if (policy.roles !== undefined) {
    assertRecord(policy.roles as unknown, 'policy.roles');
    for (const trust of TRUST_LEVELS) {
      const given: unknown = Object.hasOwn(policy.roles, trust) ? policy.roles[trust] : undefined;
      if (given === undefined) continue;
      const path = `policy.roles.${trust}`;
      assertArray(given, path, ROLES.length);
      for (let i = 0; i < given.length; i++) assertOneOf(given[i], `${path}[${i}]`, ROLES);
      if (trust !== 'trusted' && given.includes('system')) {
        throw new InvalidArgumentError({
          path,
          expected: `roles without "system" (${trust} content is always rendered as data, never as a system or developer role)`,
          value: given,
        });
      }
      roles[trust] = Object.freeze([...(given as Role[])]);
    }
  }
  // Null prototype: a caller's rule keyed `__proto__` (JSON.parse makes such keys) is a rule, not a prototype.
  const labels: Record<string, LabelRule> = Object.assign(Object.create(null), DEFAULT_POLICY.labels);
  if (policy.labels !== undefined) {
    assertRecord(policy.labels as unknown, 'policy.labels');
    for (const [label, rule] of Object.entries(policy.labels)) {
      const path = `policy.labels[${JSON.stringify(label)}]`;
      assertRecord(rule as unknown, path);
      for (const key of ['allow', 'deny'] as const) {
        const patterns: unknown = rule[key];
        if (patterns === undefined) continue;
        assertArray(patterns, `${path}.${key}`, MAX_PATTERNS);
        for (let i = 0; i < patterns.length; i++) assertString(patterns[i], `${path}.${key}[${i}]`, 1024);
      }
      labels[label] = {
        ...(rule.allow === undefined ? {} : { allow: Object.freeze([...rule.allow]) }),
        ...(rule.deny === undefined ? {} : { deny: Object.freeze([...rule.deny]) }),
      };
    }
  }
  const limit = (key: 'maxBlocks' | 'maxBytes'): number => {
    const value: unknown = policy[key];
    if (value === undefined) return DEFAULT_POLICY[key];
    assertInteger(value, `policy.${key}`, 1);
    return value;
  };
  return { roles, labels, maxBlocks: limit('maxBlocks'), maxBytes: limit('maxBytes') };
}

const ROLES: readonly Role[] = Object.freeze(['system', 'user', 'assistant', 'tool']);
const MAX_PATTERNS = 1024;

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
  const rules = indexLabelRules(policy.labels);
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
      const refused = refusingRule(rules, normalizeLabel(label), audience);
      if (refused !== undefined) {
        throw new PolicyViolationError({
          rule: 'label',
          blockId: block.id,
          message: `is labelled ${JSON.stringify(label)} (as "${refused}"), which the policy does not allow to audience "${audience}"`,
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

/**
 * The comparison form of a label: NFKC, lowercased, default-ignorable code
 * points (zero-width, tag characters, variation selectors) removed, trimmed,
 * then the confusable skeleton of `@ctxpack/escape`. A label is a policy key:
 * two that look alike must be one, or a lookalike walks past the rule.
 *
 * @example
 * normalizeLabel(' PІI\u200b') === 'pii'; // true (Cyrillic І)
 */
export function normalizeLabel(label: string): string {
  assertString(label, 'label');
  return toSkeleton(label.normalize('NFKC').toLowerCase().replace(IGNORABLE, '').trim());
}

const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/** The rules by normalized label; rules whose labels normalize alike all apply. */
function indexLabelRules(labels: Readonly<Record<string, LabelRule>>): Map<string, LabelRule[]> {
  const index = new Map<string, LabelRule[]>();
  for (const [label, rule] of Object.entries(labels)) {
    const key = normalizeLabel(label);
    const list = index.get(key);
    if (list === undefined) index.set(key, [rule]);
    else list.push(rule);
  }
  return index;
}

/** The label or `:` prefix of it whose rule refuses the audience, if any. */
function refusingRule(rules: Map<string, LabelRule[]>, label: string, audience: string): string | undefined {
  // Every prefix up to a `:` is checked, then the label itself.
  for (let i = label.indexOf(':'); ; i = label.indexOf(':', i + 1)) {
    const name = i === -1 ? label : label.slice(0, i);
    for (const rule of rules.get(name) ?? []) if (!audienceAllowed(rule, audience)) return name;
    if (i === -1) return undefined;
  }
}

function audienceAllowed(rule: LabelRule, audience: string): boolean {
  if (rule.deny?.some((p) => matches(p, audience))) return false;
  return rule.allow === undefined || rule.allow.some((p) => matches(p, audience));
}

function matches(pattern: string, audience: string): boolean {
  return pattern.endsWith('*') ? audience.startsWith(pattern.slice(0, -1)) : pattern === audience;
}
