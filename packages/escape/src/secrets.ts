import type { Finding } from './finding.js';

// Credential patterns (shapes published by each provider; cross-checked with
// the gitleaks and detect-secrets rule sets). Matched on the clean view with
// case preserved. Findings name the type and position, never the value.

interface SecretRule {
  rule: string;
  label: string;
  pattern: RegExp;
  /** Capture group holding the secret (0 = whole match). */
  group: number;
  /** Lowercase literals one of which every match contains (skip the rule when none occurs). */
  needles: readonly string[];
  /** Extra check on the captured value. */
  accept?: (value: string) => boolean;
  /**
   * Characters of the value's run. A pattern that stops at a length cap (not
   * at a boundary) is extended to the end of the run: otherwise redacting the
   * capped match would put a word boundary before the rest of the run, where
   * a second pass could find a secret the first could not (idempotence).
   */
  run?: (c: number) => boolean;
}

const isWordOrDash = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) ||
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x61 && c <= 0x7a) ||
  c === 0x5f ||
  c === 0x2d;
const isSlackChar = (c: number): boolean => c !== 0x5f && isWordOrDash(c);
const isBase64Char = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) ||
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x61 && c <= 0x7a) ||
  c === 0x2b ||
  c === 0x2f;
// RFC 7235 token68: [A-Za-z0-9-._~+/] then `=` padding.
const isToken68Char = (c: number): boolean =>
  isBase64Char(c) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e || c === 0x3d;
// [A-Za-z0-9+/_\-.=~!@#$%^&*]
const isAssignedValueChar = (c: number): boolean =>
  isWordOrDash(c) || (c < 0x80 && '+/.=~!@#$%^&*'.includes(String.fromCharCode(c)));

const SECRET_RULES: readonly SecretRule[] = [
  {
    rule: 'aws-access-key',
    needles: ['akia', 'asia', 'abia', 'acca'],
    label: 'AWS access key ID',
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g,
    group: 0,
  },
  {
    rule: 'aws-secret-key',
    needles: ['aws'],
    label: 'AWS secret access key',
    pattern: /\baws_?secret_?access_?key["']?\s{0,4}[:=]\s{0,4}["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
  },
  {
    rule: 'github-token',
    needles: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    label: 'GitHub token',
    pattern: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g,
    group: 0,
  },
  {
    rule: 'github-pat',
    needles: ['github_pat_'],
    label: 'GitHub fine-grained token',
    pattern: /\bgithub_pat_[A-Za-z0-9_]{60,255}\b/g,
    group: 0,
  },
  {
    rule: 'gitlab-token',
    needles: ['glpat-', 'gldt-', 'glptt-', 'glrt-', 'glcbt-', 'gloas-'],
    label: 'GitLab token',
    pattern: /\bgl(?:pat|dt|ptt|rt|cbt|oas)-[A-Za-z0-9_-]{20,64}\b/g,
    group: 0,
  },
  {
    rule: 'slack-token',
    needles: ['xox'],
    label: 'Slack token',
    pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,250}/g,
    group: 0,
    run: isSlackChar,
  },
  {
    rule: 'slack-webhook',
    needles: ['hooks.slack.com'],
    label: 'Slack webhook URL',
    pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,16}\/B[A-Z0-9]{6,16}\/[A-Za-z0-9]{16,40}/g,
    group: 0,
  },
  {
    rule: 'stripe-key',
    needles: ['_live_', '_test_'],
    label: 'Stripe key',
    pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}\b/g,
    group: 0,
  },
  {
    rule: 'anthropic-key',
    needles: ['sk-ant-'],
    label: 'Anthropic API key',
    pattern: /\bsk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_-]{32,200}/g,
    group: 0,
    run: isWordOrDash,
  },
  {
    rule: 'openai-key',
    needles: ['sk-'],
    label: 'OpenAI API key',
    pattern: /\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,200}/g,
    group: 0,
    run: isWordOrDash,
    accept: (v) => !v.startsWith('sk-ant-') && /[0-9]/.test(v) && /[A-Za-z]/.test(v.slice(3)),
  },
  {
    rule: 'google-api-key',
    needles: ['aiza'],
    label: 'Google API key',
    pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g,
    group: 0,
  },
  { rule: 'npm-token', needles: ['npm_'], label: 'npm token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g, group: 0 },
  {
    rule: 'slack-app-token',
    needles: ['xapp-'],
    label: 'Slack app-level token',
    pattern: /\bxapp-\d-[A-Z0-9]{8,16}-\d{6,16}-[a-f0-9]{32,80}/g,
    group: 0,
    run: isWordOrDash,
  },
  {
    rule: 'stripe-webhook-secret',
    needles: ['whsec_'],
    label: 'Stripe webhook signing secret',
    pattern: /\bwhsec_[A-Za-z0-9+/]{24,128}/g,
    group: 0,
    run: isBase64Char,
  },
  {
    rule: 'google-oauth-client-secret',
    needles: ['gocspx-'],
    label: 'Google OAuth client secret',
    pattern: /\bGOCSPX-[A-Za-z0-9_-]{28}/g,
    group: 0,
    run: isWordOrDash,
  },
  {
    rule: 'google-oauth-token',
    needles: ['ya29.'],
    label: 'Google OAuth access token',
    pattern: /\bya29\.[A-Za-z0-9_-]{20,2048}/g,
    group: 0,
    run: isWordOrDash,
  },
  {
    rule: 'sendgrid-key',
    needles: ['sg.'],
    label: 'SendGrid API key',
    pattern: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}/g,
    group: 0,
    run: isWordOrDash,
  },
  {
    rule: 'authorization-header',
    needles: ['bearer', 'basic'],
    label: 'HTTP authorization credentials',
    pattern: /\b(?:bearer|basic)[ \t]{1,4}([A-Za-z0-9\-._~+/]{16,4096}=*)/gi,
    group: 1,
    run: isToken68Char,
    accept: (v) => /[0-9]/.test(v) && /[A-Za-z]/.test(v) && shannonEntropy(v) >= 3,
  },
  {
    rule: 'huggingface-token',
    needles: ['hf_'],
    label: 'Hugging Face token',
    pattern: /\bhf_[A-Za-z0-9]{34,40}\b/g,
    group: 0,
  },
  {
    rule: 'jwt',
    needles: ['eyj'],
    label: 'JSON Web Token',
    pattern: /\beyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{0,4096}/g,
    group: 0,
    run: isWordOrDash,
  },
  {
    rule: 'connection-string-password',
    needles: ['://'],
    label: 'password in a connection string',
    pattern: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@]{1,256}:([^\s@/]{1,256})@[^\s/@]/gi,
    group: 1,
  },
  {
    rule: 'generic-secret-assignment',
    needles: ['key', 'secret', 'token', 'password', 'passwd', 'pwd'],
    label: 'high-entropy secret assignment',
    pattern:
      /\b(?:api[_-]?key|apikey|secret|token|access[_-]?key|client[_-]?secret|auth[_-]?token|private[_-]?key|password|passwd|pwd)[a-z0-9_-]{0,20}["']?\s{0,4}(?::|=|:=|=>)\s{0,4}["']?([A-Za-z0-9+/_\-.=~!@#$%^&*]{12,200})/gi,
    group: 1,
    run: isAssignedValueChar,
    accept: (v) =>
      shannonEntropy(v) >= 3.5 &&
      /[0-9]/.test(v) &&
      /[A-Za-z]/.test(v) &&
      !/^(?:x+|\*+|<.*>|\$\{.*\})$/i.test(v),
  },
];

/** Bits per character of `s`. */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A detected secret, in the scanned text's coordinates, with its redaction text. */
export interface SecretHit {
  finding: Finding;
  replacement: string;
}

const PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]{1,20} ){0,3})PRIVATE KEY( BLOCK)?-----/g;

/** Every needle of every secret rule (lowercase). */
export const SECRET_NEEDLES: readonly string[] = Object.freeze([
  '-----begin',
  ...new Set(SECRET_RULES.flatMap((r) => r.needles)),
]);

/**
 * The redaction text of each rule, also after token neutralization turned its
 * brackets into ⟦⟧. Markers are masked as spaces before matching, so a marker
 * never becomes part of a new secret (`x://[REDACTED:aws-access-key]@h` would
 * otherwise read as a user and a password): redaction is a fixed point.
 */
const MARKER = /[[⟦]REDACTED:[a-z-]{1,40}[\]⟧]/g;
const MARKER_NEEDLE = 'REDACTED:';
const SECRET_RULE_NAMES: ReadonlySet<string> = new Set(['private-key', ...SECRET_RULES.map((r) => r.rule)]);

function maskMarkers(text: string): string {
  if (!text.includes(MARKER_NEEDLE)) return text;
  return text.replace(MARKER, (m) => (SECRET_RULE_NAMES.has(m.slice(10, -1)) ? ' '.repeat(m.length) : m));
}

/** How far from an AWS access key ID its secret key is looked for (same line or the next, as in env files and CSVs). */
const AWS_PAIR_WINDOW = 160;
/** `[A-Za-z0-9/+=]`: a character that may not touch a 40-character AWS secret key run. */
const isAwsRunOrPad = (c: number): boolean => isBase64Char(c) || c === 0x3d;

/** A 40-character AWS secret access key shape: base64 alphabet, mixed case and a digit, high entropy. */
function looksLikeAwsSecret(v: string): boolean {
  return /[0-9]/.test(v) && /[a-z]/.test(v) && /[A-Z]/.test(v) && shannonEntropy(v) >= 4;
}

/**
 * A bare secret access key (no `aws_secret_access_key =` label) next to its
 * key ID: a run of exactly 40 `[A-Za-z0-9/+]` with no `[A-Za-z0-9/+=]` on
 * either side, wholly within AWS_PAIR_WINDOW before or after each access key
 * ID (a run cut by the window edge is not a whole key). Scanned by hand: a
 * look-behind regex tried at every position of every window cost more than
 * the rest of secret detection. Bounded work per key ID, and key IDs are 20
 * characters apart at least: linear.
 */
function addBareAwsSecrets(
  text: string,
  hits: { rule: string; label: string; start: number; end: number; priority: number }[],
): void {
  const count = hits.length;
  for (let k = 0; k < count; k++) {
    const id = hits[k]!;
    if (id.rule !== 'aws-access-key') continue;
    const from = Math.max(0, id.start - AWS_PAIR_WINDOW);
    const to = Math.min(text.length, id.end + AWS_PAIR_WINDOW);
    for (let i = from; i < to; ) {
      if (!isBase64Char(text.charCodeAt(i))) {
        i++;
        continue;
      }
      let end = i + 1;
      while (end < to && isBase64Char(text.charCodeAt(end))) end++;
      if (
        end - i === 40 &&
        (i > from ? text.charCodeAt(i - 1) !== 0x3d : from === 0) &&
        (end === text.length || (end < to && !isAwsRunOrPad(text.charCodeAt(end))))
      ) {
        const value = text.slice(i, end);
        if (looksLikeAwsSecret(value))
          hits.push({ rule: 'aws-secret-key', label: 'AWS secret access key', start: i, end, priority: 1 });
      }
      i = end;
    }
  }
}

/**
 * Every secret in `text`, in order; overlapping matches are merged into one
 * finding over their union (the first one's rule), so redaction never leaves a
 * part of a secret behind. `present` (lowercase needles found) skips rules.
 */
export function detectSecrets(source: string, present?: ReadonlySet<string>): SecretHit[] {
  const text = maskMarkers(source);
  const hits: { rule: string; label: string; start: number; end: number; priority: number }[] = [];
  const add = (rule: string, label: string, start: number, end: number, priority: number): void => {
    hits.push({ rule, label, start, end, priority });
  };
  // PEM blocks. BEGINs come in increasing order, so the next END line is
  // searched again only once the previous one lies behind: linear overall.
  PEM_BEGIN.lastIndex = present === undefined || present.has('-----begin') ? 0 : text.length;
  let nextEnd = -1;
  for (let m = PEM_BEGIN.exec(text); m !== null; m = PEM_BEGIN.exec(text)) {
    const headerEnd = m.index + m[0].length;
    if (nextEnd !== Number.POSITIVE_INFINITY && nextEnd < headerEnd) {
      const e = text.indexOf('-----END ', headerEnd);
      nextEnd = e < 0 ? Number.POSITIVE_INFINITY : e;
    }
    let end = headerEnd;
    if (nextEnd !== Number.POSITIVE_INFINITY) {
      const close = text.indexOf('-----', nextEnd + 9);
      end = close < 0 ? text.length : close + 5;
    }
    add('private-key', 'PEM private key', m.index, end, -1);
    PEM_BEGIN.lastIndex = end;
  }
  SECRET_RULES.forEach((r, priority) => {
    if (present !== undefined && !r.needles.some((n) => present.has(n))) return;
    r.pattern.lastIndex = 0;
    for (let m = r.pattern.exec(text); m !== null; m = r.pattern.exec(text)) {
      const value = m[r.group];
      if (value === undefined) continue;
      if (r.accept !== undefined && !r.accept(value)) continue;
      const start = m.index + (r.group === 0 ? 0 : m[0].lastIndexOf(value));
      let end = start + value.length;
      if (r.run !== undefined) {
        while (end < text.length && r.run(text.charCodeAt(end))) end++;
        r.pattern.lastIndex = Math.max(r.pattern.lastIndex, end);
      }
      add(r.rule, r.label, start, end, priority);
    }
  });
  addBareAwsSecrets(text, hits);
  hits.sort((a, b) => a.start - b.start || a.priority - b.priority);
  const merged: typeof hits = [];
  for (const h of hits) {
    const last = merged[merged.length - 1];
    if (last !== undefined && h.start < last.end) last.end = Math.max(last.end, h.end);
    else merged.push({ ...h });
  }
  return merged.map((h) => ({
    finding: {
      kind: 'secret',
      severity: 'high',
      start: h.start,
      end: h.end,
      message: `${h.label} (${h.end - h.start} characters)`,
      rule: h.rule,
    },
    replacement: `[REDACTED:${h.rule}]`,
  }));
}
