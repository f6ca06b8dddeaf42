import type { Finding } from './finding.js';
import type { FoldedText } from './fold.js';
import type { DetectOptions } from './sanitizer.js';
import type { TokenMatcher } from './special-tokens.js';

/** A secret finding plus its redaction text. Offsets are in the scanned text. */
export interface SecretHit {
  finding: Finding;
  replacement: string;
}

/** Runs the text-level detectors (confusables, injection, encoded payloads, secrets) over a clean view. */
export function detectText(
  _clean: string,
  _folded: FoldedText,
  _detect: DetectOptions,
  _maxDecodedChars: number,
  _matcher: TokenMatcher,
): { findings: Finding[]; secrets: SecretHit[] } {
  return { findings: [], secrets: [] };
}
