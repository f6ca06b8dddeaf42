/** How bad a finding is. `high` means an active attack signature (smuggled text, a spoofed turn, a leaked key). */
export type Severity = 'low' | 'medium' | 'high';

/**
 * One thing `scan`/`sanitize` found. Offsets are UTF-16 code-unit indices into
 * the ORIGINAL input, `[start, end)`.
 */
export interface Finding {
  /** Stable kind name; see `FINDING_KINDS`. */
  kind: string;
  severity: Severity;
  start: number;
  end: number;
  /** For humans; may change between releases. Never contains a detected secret. */
  message: string;
  /** Hidden text recovered from a smuggling scheme or an encoded blob, or the folded skeleton of a confusable word. */
  decoded?: string;
  /** Sub-rule that fired, e.g. `aws-access-key`, `chatml`, `base64`. */
  rule?: string;
}

/** Policy class a finding kind belongs to; options decide one action per class. */
export type FindingClass =
  | 'smuggling'
  | 'bidi'
  | 'invisible'
  | 'control'
  | 'privateUse'
  | 'unassigned'
  | 'specialTokens'
  | 'confusables'
  | 'injection'
  | 'secrets';

/** Every finding kind, its policy class and what it means. Kind names are stable. */
export const FINDING_KINDS: Readonly<Record<string, { class: FindingClass; description: string }>> =
  Object.freeze({
    'tag-characters': {
      class: 'smuggling',
      description:
        'Unicode tag characters U+E0000–E007F outside an RGI flag; `decoded` holds the hidden ASCII',
    },
    'variation-selector-smuggling': {
      class: 'smuggling',
      description:
        'a run of variation selectors (U+FE00–FE0F, U+E0100–E01EF) encoding bytes; `decoded` holds them',
    },
    'sneaky-bits': {
      class: 'smuggling',
      description: 'U+2062/U+2064 used as binary digits (U+200B as space); `decoded` holds the text',
    },
    'bidi-control': {
      class: 'bidi',
      description: 'bidirectional embedding, override, isolate, or a mark outside a right-to-left run',
    },
    'zero-width': {
      class: 'invisible',
      description: 'ZWSP, ZWNJ/ZWJ outside a joining context or emoji, word joiner, BOM, invisible operators',
    },
    'variation-selector': {
      class: 'invisible',
      description: 'a single variation selector after a base that takes none',
    },
    'default-ignorable': {
      class: 'invisible',
      description:
        'other Default_Ignorable_Code_Point: soft hyphen, CGJ, Hangul fillers, reserved ignorables',
    },
    'format-control': {
      class: 'invisible',
      description:
        'another format (Cf) character outside its context: a number sign (U+0600…) not before a digit, an Egyptian hieroglyph format control or a hieroglyph modifier outside hieroglyphs',
    },
    control: {
      class: 'control',
      description: 'C0/C1 control other than tab, LF, CR; interlinear annotation controls',
    },
    noncharacter: { class: 'control', description: 'a noncharacter code point (U+FDD0–FDEF, U+xFFFE/xFFFF)' },
    'lone-surrogate': { class: 'control', description: 'an unpaired UTF-16 surrogate; replaced by U+FFFD' },
    'private-use': { class: 'privateUse', description: 'a private-use code point' },
    unassigned: {
      class: 'unassigned',
      description: 'a code point unassigned in the engine’s Unicode version',
    },
    'special-token': {
      class: 'specialTokens',
      description: 'a chat special token or delimiter of a model family (after NFKC and confusable folding)',
    },
    'role-marker': {
      class: 'specialTokens',
      description: 'a legacy turn marker (`Human:` / `Assistant:`) at a line start',
    },
    'mixed-script-confusable': {
      class: 'confusables',
      description: 'a word mixing Latin with lookalike letters of another script; `decoded` is its skeleton',
    },
    'whole-script-confusable': {
      class: 'confusables',
      description: 'a non-Latin word made only of Latin lookalikes, in Latin text; `decoded` is its skeleton',
    },
    'instruction-override': {
      class: 'injection',
      description: '“ignore previous instructions” and variants',
    },
    'role-reassignment': {
      class: 'injection',
      description: '“you are now…”, “act as…”, developer mode, `System:` lines',
    },
    'prompt-extraction': {
      class: 'injection',
      description: 'requests to reveal the system prompt or instructions',
    },
    'tool-coercion': { class: 'injection', description: 'orders to call a tool or run a command' },
    'markdown-exfiltration': {
      class: 'injection',
      description: 'a markdown/HTML image or link whose URL carries data (query string, placeholders)',
    },
    concealment: { class: 'injection', description: '“do not tell the user” and variants' },
    'coercive-tag': { class: 'injection', description: '`<IMPORTANT>`, `<system>`-style pseudo tags' },
    'encoded-injection': {
      class: 'injection',
      description: 'base64, hex, URL-encoded or rot13 text that decodes to an injection; `decoded` holds it',
    },
    secret: {
      class: 'secrets',
      description: 'a credential; `rule` names its type; the secret itself is never reported',
    },
  });

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2 };

/** `a` is at least as severe as `b`. */
export function isAtLeast(a: Severity, b: Severity): boolean {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b];
}

/** The class of a finding kind (`injection` for unknown kinds, the safest bucket that never edits text). */
export function classOf(kind: string): FindingClass {
  return FINDING_KINDS[kind]?.class ?? 'injection';
}

/** `U+200B`-style label for a code point. */
export function formatCodePoint(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}
