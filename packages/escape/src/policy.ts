import type { Trust } from '@ctxpack/block';
import { assertOneOf, assertRecord } from '@ctxpack/block/kernel';
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

const TRUST_PRESETS: readonly Trust[] = ['untrusted', 'user', 'trusted'];
const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high'];

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
 * validates every value (`InvalidArgumentError` with its path).
 *
 * @example
 * resolveSanitizePolicy({ trust: 'user', actions: { injection: 'reject' } }).actions.privateUse; // 'report'
 */
export function resolveSanitizePolicy(options: PolicyOverrides = {}): Policy {
  const policy = resolveSharedPolicy(options);
  return { ...policy, actions: { ...policy.actions } };
}

const CLASSES = Object.keys(allowed) as FindingClass[];

/** The preset's actions with `overrides` applied, each checked against its class's allowed actions. */
function applyOverrides(preset: Readonly<PolicyActions>, overrides: unknown): PolicyActions {
  assertRecord(overrides, 'options.actions');
  const actions: PolicyActions = { ...preset };
  for (const key of Object.keys(overrides)) {
    const value: unknown = overrides[key];
    assertOneOf(key, `options.actions.${key}`, CLASSES);
    if (value === undefined) continue;
    assertOneOf(value, `options.actions.${key}`, allowed[key]);
    (actions as unknown as Record<string, unknown>)[key] = value;
  }
  return actions;
}

/**
 * `resolveSanitizePolicy` for the sanitizer's own use: without overrides it
 * returns the frozen preset itself, so the per-call cost on short texts stays
 * a few property reads.
 */
export function resolveSharedPolicy(options: PolicyOverrides): Readonly<Policy> {
  assertRecord(options, 'options');
  const trust = options.trust ?? 'untrusted';
  assertOneOf(trust, 'options.trust', TRUST_PRESETS);
  const preset = POLICIES[trust];
  const { actions, allowBalancedIsolates, rejectSeverity } = options;
  if (actions === undefined && allowBalancedIsolates === undefined && rejectSeverity === undefined)
    return preset;
  const isolates = allowBalancedIsolates ?? preset.allowBalancedIsolates;
  assertOneOf(isolates, 'options.allowBalancedIsolates', [true, false]);
  const severity = rejectSeverity ?? preset.rejectSeverity;
  assertOneOf(severity, 'options.rejectSeverity', SEVERITIES);
  return {
    actions: actions === undefined ? preset.actions : applyOverrides(preset.actions, actions),
    allowBalancedIsolates: isolates,
    rejectSeverity: severity,
  };
}
