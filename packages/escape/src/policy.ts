import type { Trust } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block';
import { InvalidEscapeOptionsError } from './escape-rejected-error.js';
import type { FindingClass, Severity } from './finding.js';

/** What to do with characters of an invisible class: remove, show as `⟦U+XXXX⟧`, leave, or throw. */
export type CharacterAction = 'strip' | 'visible' | 'report' | 'reject';
/** What to do with a special token: make it inert but readable, remove it, leave it, or throw. */
export type TokenAction = 'neutralize' | 'strip' | 'report' | 'reject';
/** What to do with a secret: replace by `[REDACTED:<rule>]`, leave it, or throw. */
export type SecretAction = 'redact' | 'report' | 'reject';
/** Heuristic findings never edit text: report them, or throw. */
export type ReportAction = 'report' | 'reject';

/** One action per finding class. */
export interface PolicyActions {
  smuggling: CharacterAction;
  bidi: CharacterAction;
  invisible: CharacterAction;
  control: CharacterAction;
  privateUse: CharacterAction;
  unassigned: CharacterAction;
  specialTokens: TokenAction;
  secrets: SecretAction;
  injection: ReportAction;
  confusables: ReportAction;
}

/** A resolved policy. */
export interface Policy {
  actions: PolicyActions;
  /** Keep LRI/RLI/FSI…PDI pairs that balance within a paragraph. Embeddings and overrides never survive. */
  allowBalancedIsolates: boolean;
  /** A `reject` class rejects only findings at or above this severity. */
  rejectSeverity: Severity;
}

const strict: PolicyActions = {
  smuggling: 'strip',
  bidi: 'strip',
  invisible: 'strip',
  control: 'strip',
  privateUse: 'strip',
  unassigned: 'strip',
  specialTokens: 'neutralize',
  secrets: 'redact',
  injection: 'report',
  confusables: 'report',
};

/**
 * Preset policies per trust level. `untrusted` (the default) strips every
 * invisible class, neutralizes tokens and redacts secrets; `user` keeps
 * private-use and unassigned code points (user fonts, emoji newer than the
 * engine) and balanced bidi isolates; `trusted` only reports.
 */
export const POLICIES: Readonly<Record<Trust, Readonly<Policy>>> = Object.freeze({
  untrusted: Object.freeze({
    actions: Object.freeze({ ...strict }),
    allowBalancedIsolates: false,
    rejectSeverity: 'medium' as Severity,
  }),
  user: Object.freeze({
    actions: Object.freeze({ ...strict, privateUse: 'report', unassigned: 'report' } as PolicyActions),
    allowBalancedIsolates: true,
    rejectSeverity: 'medium' as Severity,
  }),
  trusted: Object.freeze({
    actions: Object.freeze({
      smuggling: 'report',
      bidi: 'report',
      invisible: 'report',
      control: 'report',
      privateUse: 'report',
      unassigned: 'report',
      specialTokens: 'report',
      secrets: 'report',
      injection: 'report',
      confusables: 'report',
    } as PolicyActions),
    allowBalancedIsolates: true,
    rejectSeverity: 'medium' as Severity,
  }),
});

const allowed: Readonly<Record<FindingClass, readonly string[]>> = {
  smuggling: ['strip', 'visible', 'report', 'reject'],
  bidi: ['strip', 'visible', 'report', 'reject'],
  invisible: ['strip', 'visible', 'report', 'reject'],
  control: ['strip', 'visible', 'report', 'reject'],
  privateUse: ['strip', 'visible', 'report', 'reject'],
  unassigned: ['strip', 'visible', 'report', 'reject'],
  specialTokens: ['neutralize', 'strip', 'report', 'reject'],
  secrets: ['redact', 'report', 'reject'],
  injection: ['report', 'reject'],
  confusables: ['report', 'reject'],
};

/** Overrides accepted on top of a preset. */
export interface PolicyOverrides {
  trust?: Trust;
  actions?: Partial<PolicyActions>;
  allowBalancedIsolates?: boolean;
  rejectSeverity?: Severity;
}

/**
 * The preset for `trust` (default `untrusted`) with the overrides applied;
 * validates every value (`InvalidEscapeOptionsError` with its path).
 *
 * @example
 * resolvePolicy({ trust: 'user', actions: { injection: 'reject' } }).actions.privateUse; // 'report'
 */
export function resolvePolicy(options: PolicyOverrides = {}): Policy {
  const policy = resolveSharedPolicy(options);
  return { ...policy, actions: { ...policy.actions } };
}

/**
 * `resolvePolicy` for the sanitizer's own use: without overrides it returns
 * the frozen preset itself, so the per-call cost on short texts stays a few
 * property reads.
 */
export function resolveSharedPolicy(options: PolicyOverrides): Readonly<Policy> {
  // Checked through an `unknown` alias: narrowing `options` itself would widen its fields.
  const shape: unknown = options;
  if (!isRecord(shape)) {
    throw new InvalidEscapeOptionsError({ path: 'options', value: shape, reason: 'expected an object' });
  }
  const trust = options.trust ?? 'untrusted';
  // Own keys only: `trust: 'constructor'` must not find Object.prototype's.
  const preset =
    typeof trust === 'string' && Object.hasOwn(POLICIES, trust) ? POLICIES[trust as Trust] : undefined;
  if (preset === undefined) {
    throw new InvalidEscapeOptionsError({
      path: 'trust',
      value: trust,
      reason: "expected 'trusted', 'user' or 'untrusted'",
    });
  }
  const overrides = options.actions;
  if (
    overrides === undefined &&
    options.allowBalancedIsolates === undefined &&
    options.rejectSeverity === undefined
  )
    return preset;
  if (overrides !== undefined && !isRecord(overrides)) {
    throw new InvalidEscapeOptionsError({ path: 'actions', value: overrides, reason: 'expected an object' });
  }
  const actions: PolicyActions = { ...preset.actions };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    const ok = Object.hasOwn(allowed, key) ? allowed[key as FindingClass] : undefined;
    if (ok === undefined) {
      throw new InvalidEscapeOptionsError({
        path: `actions.${key}`,
        value,
        reason: `unknown class; expected one of ${Object.keys(allowed).join(', ')}`,
      });
    }
    if (value === undefined) continue;
    if (!ok.includes(value as string)) {
      throw new InvalidEscapeOptionsError({
        path: `actions.${key}`,
        value,
        reason: `expected one of ${ok.join(', ')}`,
      });
    }
    (actions as unknown as Record<string, string>)[key] = value as string;
  }
  const allowBalancedIsolates = options.allowBalancedIsolates ?? preset.allowBalancedIsolates;
  if (typeof allowBalancedIsolates !== 'boolean') {
    throw new InvalidEscapeOptionsError({
      path: 'allowBalancedIsolates',
      value: allowBalancedIsolates,
      reason: 'expected a boolean',
    });
  }
  const rejectSeverity = options.rejectSeverity ?? preset.rejectSeverity;
  if (!['low', 'medium', 'high'].includes(rejectSeverity)) {
    throw new InvalidEscapeOptionsError({
      path: 'rejectSeverity',
      value: rejectSeverity,
      reason: "expected 'low', 'medium' or 'high'",
    });
  }
  return {
    actions,
    allowBalancedIsolates,
    rejectSeverity,
  };
}
