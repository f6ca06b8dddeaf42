import type { Severity } from './finding.js';
import {
  ABOVE_FILLERS,
  ABOVE_LINKS,
  ABOVE_VERBS,
  ACT_ROLES,
  ACT_VERBS,
  alternation,
  CALL_CUES,
  CALL_LINKS,
  CALL_VERBS,
  CONCEAL_NEGATIONS,
  CONCEAL_VERBS,
  DOWNLOADERS,
  gerunds,
  MODE_NAMES,
  MODE_VERBS,
  NEW_ADJECTIVES,
  NEW_OBJECTS,
  OVERRIDE_OBJECTS,
  OVERRIDE_QUALIFIERS,
  OVERRIDE_VERBS,
  REVEAL_ENDINGS,
  REVEAL_VERBS,
  USER_MODALS,
} from './injection-words.js';

// Phrase and structure patterns of prompt injection, evaluated on FOLDED text
// (lowercase, NFKD without marks, confusables mapped to ASCII), so `ІGNORE`
// with a Cyrillic І matches like `ignore`. Every pattern is linear: bounded
// repetitions over disjoint classes, no nested unbounded quantifiers.

/** One heuristic: a stable kind, a score in [0, 1], and its pattern. */
export interface InjectionRule {
  kind: string;
  rule: string;
  score: number;
  pattern: RegExp;
  message: string;
}

// Separator between words: whitespace and the punctuation people use to dodge filters.
const S = '[\\s_*\\-"\'`~.]{1,6}';
const W = '[a-z]{1,20}';

function rule(
  kind: string,
  name: string,
  score: number,
  source: string,
  message: string,
  flags = 'g',
): InjectionRule {
  return { kind, rule: name, score, pattern: new RegExp(source, flags), message };
}

const QUAL = alternation(OVERRIDE_QUALIFIERS);
const OBJECT = alternation(OVERRIDE_OBJECTS);
const REVEAL_END = REVEAL_ENDINGS.map(([a, b]) => `${alternation(a)}${S}${alternation(b)}`).join('|');

export const INJECTION_RULES: readonly InjectionRule[] = Object.freeze([
  rule(
    'instruction-override',
    'ignore-previous',
    0.9,
    `\\b${alternation(OVERRIDE_VERBS)}${S}(?:${QUAL}${S}){1,4}${OBJECT}\\b`,
    'instruction override',
  ),
  rule(
    'instruction-override',
    'ignore-above',
    0.8,
    `\\b${alternation(ABOVE_VERBS)}${S}(?:${alternation(ABOVE_FILLERS)}${S})?(?:${alternation(ABOVE_LINKS)}${S})?(?:the${S})?(?:above|before|previously${S}said|said${S}before)\\b`,
    'instruction override',
  ),
  rule(
    'instruction-override',
    'new-instructions',
    0.6,
    `\\b${alternation(NEW_ADJECTIVES)}${S}(?:system${S})?${alternation(NEW_OBJECTS)}(?:${S})?:`,
    'announces replacement instructions',
  ),
  rule(
    'role-reassignment',
    'you-are-now',
    0.7,
    `\\byou${S}are${S}(?:now|no${S}longer)${S}${W}`,
    'assigns the model a new role',
  ),
  rule(
    'role-reassignment',
    'act-as',
    0.7,
    `\\b${alternation(ACT_VERBS)}${S}as${S}(?:if${S}you${S}(?:are|were)${S})?(?:an?${S})?${alternation(ACT_ROLES)}\\b`,
    'assigns the model an unrestricted role',
  ),
  rule(
    'role-reassignment',
    'mode-switch',
    0.8,
    `\\b(?:${alternation(MODE_VERBS)}|switch${S}to)${S}${alternation(MODE_NAMES)}${S}mode\\b`,
    'asks to switch to a privileged mode',
  ),
  rule(
    'role-reassignment',
    'role-line',
    0.5,
    `^[ \\t>#*]{0,8}(?:system|developer|admin)(?:${S})?(?:prompt|message|note|override)?[ \\t]{0,4}:`,
    'a line that claims a privileged role',
    'gm',
  ),
  rule(
    'prompt-extraction',
    'reveal-prompt',
    0.8,
    `\\b(?:${alternation(REVEAL_VERBS)}|tell${S}me|write${S}out|what${S}(?:is|are))${S}(?:${W}${S}){0,3}(?:${REVEAL_END})\\b`,
    'asks for the system prompt or instructions',
  ),
  rule(
    'tool-coercion',
    'must-call',
    0.7,
    `\\b(?:you${S}must|${alternation(CALL_CUES)})${S}${alternation(CALL_VERBS)}${S}(?:the${S})?[a-z0-9_.\\-]{1,64}${S}(?:tool|function|command)\\b`,
    'orders a tool call',
  ),
  rule(
    'tool-coercion',
    'call-tool',
    0.5,
    `\\b(?:call|invoke|execute|trigger)${S}(?:the${S})?[a-z0-9_.\\-]{1,64}${S}(?:tool|function)${S}${alternation(CALL_LINKS)}\\b`,
    'asks for a tool call',
  ),
  rule(
    'tool-coercion',
    'pipe-to-shell',
    0.7,
    `\\b${alternation(DOWNLOADERS)}${S}[^\\n|]{1,256}\\|(?:${S})?(?:ba|z)?sh\\b`,
    'pipes a download into a shell',
  ),
  rule(
    'markdown-exfiltration',
    'image-query',
    0.85,
    `!\\[[^\\]\\n]{0,256}\\]\\(\\s{0,4}<?(?:https?:)?//[^)\\s?]{1,2048}\\?[^)\\s]{1,2048}\\)`,
    'markdown image whose URL carries a query string (fetched automatically)',
  ),
  rule(
    'markdown-exfiltration',
    'html-image-query',
    0.85,
    `<img\\b[^>]{0,512}?src(?:${S})?=(?:${S})?["']?(?:https?:)?//[^"'\\s>?]{1,2048}\\?[^"'\\s>]{1,2048}`,
    'HTML image whose URL carries a query string',
  ),
  rule(
    'markdown-exfiltration',
    'link-placeholder',
    0.6,
    `\\]\\(\\s{0,4}<?https?://[^)\\s]{1,2048}?[?&/=](?:\\{|\\$\\{?|%7b|<|\\[)[a-z_ ]{1,40}`,
    'link URL with a placeholder to fill with data',
  ),
  rule(
    'concealment',
    'do-not-tell',
    0.8,
    `\\b(?:do${S}not|don'?t|${alternation(CONCEAL_NEGATIONS)})${S}${alternation([...CONCEAL_VERBS, ...gerunds(CONCEAL_VERBS)])}${S}(?:${W}${S}){0,2}user\\b`,
    'asks to hide something from the user',
  ),
  rule(
    'concealment',
    'keep-secret',
    0.7,
    `\\b(?:keep${S}(?:this|it)${S}(?:a${S})?secret|the${S}user${S}${alternation(USER_MODALS)}${S}(?:not|never)${S}(?:know|see|notice))\\b`,
    'asks to keep something from the user',
  ),
  rule(
    'coercive-tag',
    'pseudo-tag',
    0.6,
    `</?(?:important|system|instructions?|admin|critical|urgent|override|sudo|secret)\\b[^>\\n]{0,64}>`,
    'pseudo-markup that claims authority',
  ),
]);

/** Severity of a score: ≥0.8 high, ≥0.5 medium, else low. */
export function severityOf(score: number): Severity {
  if (score >= 0.8) return 'high';
  if (score >= 0.5) return 'medium';
  return 'low';
}

/**
 * Literals at least one of which every match of a rule contains (in folded
 * text). One pass of a combined literal regex finds which are present, and
 * only rules with a present needle run: most clean text skips most rules.
 */
const NEEDLES: Readonly<Record<string, readonly string[]>> = {
  'ignore-previous': OVERRIDE_VERBS,
  'ignore-above': ABOVE_VERBS,
  'new-instructions': NEW_OBJECTS,
  'you-are-now': ['you'],
  'act-as': ACT_VERBS,
  'mode-switch': ['mode'],
  'role-line': ['system', 'developer', 'admin'],
  'reveal-prompt': REVEAL_ENDINGS.flatMap(([, second]) => second),
  'must-call': ['tool', 'function', 'command'],
  'call-tool': ['tool', 'function'],
  'pipe-to-shell': DOWNLOADERS,
  'image-query': ['!['],
  'html-image-query': ['<img'],
  'link-placeholder': [']('],
  'do-not-tell': ['user'],
  'keep-secret': ['secret', 'user'],
  'pseudo-tag': ['<'],
};

/** Every needle of every rule. */
export const INJECTION_NEEDLES: readonly string[] = Object.freeze([
  ...new Set(Object.values(NEEDLES).flat()),
]);

/** A rule match in the coordinates of the scanned string. */
export interface RuleMatch {
  rule: InjectionRule;
  start: number;
  end: number;
}

/** All rule matches in a folded text; `present` (from `findNeedles`) skips rules that cannot match. */
export function matchInjectionRules(folded: string, present?: ReadonlySet<string>): RuleMatch[] {
  const out: RuleMatch[] = [];
  for (const r of INJECTION_RULES) {
    if (present !== undefined && !(NEEDLES[r.rule] ?? []).some((n) => present.has(n))) continue;
    r.pattern.lastIndex = 0;
    for (let m = r.pattern.exec(folded); m !== null; m = r.pattern.exec(folded)) {
      if (m[0].length === 0) {
        r.pattern.lastIndex++;
        continue;
      }
      out.push({ rule: r, start: m.index, end: m.index + m[0].length });
    }
  }
  return out;
}

/** A matcher that reports which of `needles` occur in a text, in one pass. */
export function createNeedleFinder(needles: readonly string[]): (text: string) => Set<string> {
  const sorted = [...new Set(needles)].sort((a, b) => b.length - a.length);
  const re = new RegExp(sorted.map((n) => n.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')).join('|'), 'g');
  return (text) => {
    const found = new Set<string>();
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      found.add(m[0]);
      if (found.size === sorted.length) break;
    }
    return found;
  };
}
