import { appendAll } from './append-all.js';
import { detectConfusables } from './confusables.js';
import { detectEncoded, ROT13_NEEDLES, rot13 } from './encoded-payloads.js';
import type { Finding } from './finding.js';
import type { FoldedText } from './fold.js';
import { foldedToSource, foldText } from './fold.js';
import type { InjectionRule } from './injection-rules.js';
import { createNeedleFinder, INJECTION_NEEDLES, matchInjectionRules, severityOf } from './injection-rules.js';
import type { SecretHit } from './secrets.js';
import { detectSecrets, SECRET_NEEDLES } from './secrets.js';
import type { TokenMatcher } from './special-tokens.js';
import { findTokens } from './special-tokens.js';

/** Which text-level detectors run (all on by default). */
export interface TextDetectorSwitches {
  confusables?: boolean;
  injection?: boolean;
  encoded?: boolean;
  secrets?: boolean;
}

const MAX_ENCODED_DEPTH = 2;
const findNeedles = createNeedleFinder([...INJECTION_NEEDLES, ...SECRET_NEEDLES, ...ROT13_NEEDLES]);

/** Messages per rule, [plain, with lookalikes]: built once, not per finding. */
const ruleMessages = new Map<InjectionRule, [string, string]>();

function ruleMessage(rule: InjectionRule, lookalike: boolean): string {
  let pair = ruleMessages.get(rule);
  if (pair === undefined) {
    const plain = `${rule.message} (score ${rule.score}`;
    pair = [`${plain})`, `${plain}, written with non-ASCII lookalikes)`];
    ruleMessages.set(rule, pair);
  }
  return pair[lookalike ? 1 : 0];
}

function hasNonAscii(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) > 0x7f) return true;
  return false;
}

function injectionFindings(clean: string, folded: FoldedText, present?: ReadonlySet<string>): Finding[] {
  const out: Finding[] = [];
  for (const m of matchInjectionRules(folded.text, present)) {
    const [start, end] = foldedToSource(folded, m.start, m.end);
    const lookalike = hasNonAscii(clean, start, end);
    out.push({
      kind: m.rule.kind,
      severity: severityOf(m.rule.score + (lookalike ? 0.1 : 0)),
      start,
      end,
      message: ruleMessage(m.rule, lookalike),
      rule: m.rule.rule,
    });
  }
  return out;
}

/**
 * Every injection needle that occurs in a short text, overlapping ones
 * included (`findNeedles` reports one of two overlapping needles), so that
 * skipping the rules without one cannot miss a match; undefined (run every
 * rule) for longer text. Decoded payloads are short and many: one per
 * smuggling run.
 */
function presentNeedles(folded: string): ReadonlySet<string> | undefined {
  if (folded.length > 4096) return undefined;
  const present = new Set<string>();
  for (const n of INJECTION_NEEDLES) if (folded.includes(n)) present.add(n);
  return present;
}

/**
 * Injection-type findings (tokens, phrases, nested encodings) in hidden or
 * decoded text; offsets are meaningless and set to 0.
 */
export function scanDecodedText(
  decoded: string,
  matcher: TokenMatcher,
  maxDecodedChars: number,
  depth = 0,
): Finding[] {
  const folded = foldText(decoded);
  const found: Finding[] = injectionFindings(decoded, folded, presentNeedles(folded.text));
  for (const t of findTokens(folded.text, matcher)) {
    found.push({ kind: t.kind, severity: 'high', start: 0, end: 0, message: 'special token', rule: t.rule });
  }
  if (depth < MAX_ENCODED_DEPTH) {
    appendAll(
      found,
      detectEncoded(decoded, depth, maxDecodedChars, (d, k) =>
        scanDecodedText(d, matcher, maxDecodedChars, k),
      ),
    );
  }
  return found;
}

/**
 * Runs confusable, injection, encoded-payload and secret detection over the
 * clean view (invisible characters removed). Offsets are in `clean`.
 */
export function detectText(
  clean: string,
  folded: FoldedText,
  detect: TextDetectorSwitches,
  maxDecodedChars: number,
  matcher: TokenMatcher,
): { findings: Finding[]; secrets: SecretHit[] } {
  const findings: Finding[] = [];
  if (detect.confusables !== false) appendAll(findings, detectConfusables(clean));
  const present =
    detect.injection !== false || detect.secrets !== false ? findNeedles(folded.text) : new Set<string>();
  if (detect.injection !== false) {
    appendAll(findings, injectionFindings(clean, folded, present));
    if (detect.encoded !== false) {
      appendAll(
        findings,
        detectEncoded(clean, 0, maxDecodedChars, (d, k) => scanDecodedText(d, matcher, maxDecodedChars, k)),
      );
      // ROT13 is length-preserving, so folded offsets stay valid.
      const rotated = ROT13_NEEDLES.some((n) => present.has(n)) ? rot13(folded.text) : '';
      for (const m of rotated === '' ? [] : matchInjectionRules(rotated, findNeedles(rotated))) {
        if (m.rule.score < 0.7) continue;
        const [start, end] = foldedToSource(folded, m.start, m.end);
        findings.push({
          kind: 'encoded-injection',
          severity: severityOf(m.rule.score),
          start,
          end,
          message: `rot13-encoded text contains ${m.rule.kind}`,
          decoded: rot13(clean.slice(start, end)),
          rule: 'rot13',
        });
      }
    }
  }
  const secrets = detect.secrets === false ? [] : detectSecrets(clean, present);
  return { findings, secrets };
}
