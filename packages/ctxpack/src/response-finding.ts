import type { Severity } from '@ctxpack/escape';

/** What to do with a finding: list it, replace its text (the URL, the run), or throw. */
export type ResponseAction = 'report' | 'redact' | 'block';

/**
 * One finding in model output or a tool call. Offsets are UTF-16 indices into
 * the checked text (for a tool call: into the argument value named by `path`).
 */
export interface ResponseFinding {
  /**
   * `image-url`, `link-url`, `unsafe-url`, `tainted-url`, `nonce-leak`,
   * `boundary-notice-leak`, `system-prompt-leak`, `taint-limit`, an escape
   * finding kind (`secret`, `special-token`, `tag-characters`, …), or for tool
   * calls `tainted-argument`, `unknown-tool`, `sensitive-tool`.
   */
  kind: string;
  severity: Severity;
  start: number;
  end: number;
  message: string;
  /** Blocks whose bytes the finding carries (taint, leaks). */
  blockIds: string[];
  /** Sub-rule: the construct (`markdown-image`, `reference-definition`…), channel and decoding (`query:base64`). */
  rule?: string;
  /** The action taken. */
  action: ResponseAction;
  /** For tool calls: the argument path, e.g. `to[0]`. */
  path?: string;
}

const RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2 };

/** The highest severity among `findings`, or `undefined` for none. */
export function highestOf(findings: readonly { severity: Severity }[]): Severity | undefined {
  let best: Severity | undefined;
  for (const f of findings) if (best === undefined || RANK[f.severity] > RANK[best]) best = f.severity;
  return best;
}

const ACTIONS: readonly ResponseAction[] = ['report', 'redact', 'block'];

/** Checks an `actions` option: a record of kind → action (`default` for every other kind). */
export function readActions(
  value: unknown,
  path: string,
  fail: (path: string, expected: string, value: unknown) => never,
): Readonly<Record<string, ResponseAction>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'an object', value);
  const out: Record<string, ResponseAction> = Object.create(null);
  for (const key of Object.keys(value as object)) {
    const action = (value as Record<string, unknown>)[key];
    if (!ACTIONS.includes(action as ResponseAction))
      fail(`${path}.${key}`, `one of ${ACTIONS.join(', ')}`, action);
    out[key] = action as ResponseAction;
  }
  return out;
}
