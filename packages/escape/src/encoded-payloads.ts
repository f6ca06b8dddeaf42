import type { Finding, Severity } from './finding.js';
import { isAtLeast } from './finding.js';

// Encoded blobs (base64, hex, percent-encoding) are decoded and handed back to
// the caller's scanner, to a bounded depth and a bounded total size.

const MIN_BASE64 = 24;
const MAX_BLOB = 65_536;
const HEX_ONLY = /^(?:[0-9A-Fa-f]{2}){16,}$/;
const PERCENT = /(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9._~+!*'(),;:@&=$/?-]){12,65536}/g;
const MAX_BLOBS = 256;
const MAX_DECODED_TOTAL = 1 << 20;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The decoded text of `bin` (one byte per char, as `atob` returns) when it
 * reads as text: at least 90% printable characters and a run of three ASCII
 * letters. Most blobs are not text (identifiers, hashes, keys), so the byte
 * checks come first: a control byte is one non-printable character in any
 * UTF-8 decoding, and ASCII letters are single bytes, so both tests on the
 * bytes give the decoded text's answer without decoding it; all-ASCII bytes
 * are their own decoding.
 */
export function printableText(bin: string): string | undefined {
  let control = 0;
  let high = false;
  for (let i = 0; i < bin.length; i++) {
    const b = bin.charCodeAt(i);
    if (b >= 0x80) high = true;
    else if (b < 0x20 && b !== 9 && b !== 10 && b !== 13) control++;
  }
  // printable ≥ 0.9 × decoded length, and decoded length ≤ byte count.
  if (control > 0.1 * bin.length || !/[a-z]{3}/i.test(bin)) return undefined;
  if (!high) return bin;
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  let printable = 0;
  for (const c of text) {
    const cp = c.codePointAt(0)!;
    if (cp >= 0x20 || cp === 9 || cp === 10 || cp === 13) printable++;
  }
  return printable >= 0.9 * text.length ? text : undefined;
}

function decodeBase64(s: string): string | undefined {
  // Trailing padding trimmed by a loop: `/=+$/` is quadratic on a long run of `=` not at the end.
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x3d) end--;
  const clean = s.slice(0, end).replace(/-/g, '+').replace(/_/g, '/');
  if (clean.length % 4 === 1) return undefined;
  let bin: string;
  try {
    bin = atob(clean + '='.repeat((4 - (clean.length % 4)) % 4));
  } catch {
    return undefined;
  }
  return printableText(bin);
}

function decodeHex(s: string): string | undefined {
  const codes: string[] = [];
  for (let i = 0; i + 1 < s.length; i += 2)
    codes.push(String.fromCharCode(Number.parseInt(s.slice(i, i + 2), 16)));
  return printableText(codes.join(''));
}

function decodePercent(s: string): string | undefined {
  if ((s.match(/%[0-9A-Fa-f]{2}/g)?.length ?? 0) < 4) return undefined;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** Scans decoded text; returns what it found (offsets ignored). */
export type Rescan = (decoded: string, depth: number) => Finding[];

/**
 * Decodes blobs in `text` and reports those whose decoded text `rescan`
 * flags, as `encoded-injection` findings in `text`'s coordinates.
 */
export function detectEncoded(
  text: string,
  depth: number,
  maxDecodedChars: number,
  rescan: Rescan,
): Finding[] {
  const out: Finding[] = [];
  let budget = MAX_DECODED_TOTAL;
  const candidates: [string, number, string, (s: string) => string | undefined][] = [];
  for (const [start, end] of base64Runs(text)) {
    const blob = text.slice(start, end);
    if (HEX_ONLY.test(blob)) candidates.push(['hex', start, blob, decodeHex]);
    else candidates.push(['base64', start, blob, decodeBase64]);
  }
  if (text.includes('%')) {
    // A fresh regex per call: `rescan` re-enters this function.
    const re = new RegExp(PERCENT);
    for (let m = re.exec(text); m !== null && candidates.length < 2 * MAX_BLOBS; m = re.exec(text)) {
      candidates.push(['url', m.index, m[0], decodePercent]);
    }
  }
  for (const [name, index, blob, decode] of candidates) {
    if (budget <= 0) break;
    const decoded = decode(blob);
    if (decoded === undefined || decoded === blob) continue;
    budget -= decoded.length;
    const inner = rescan(decoded, depth + 1);
    if (inner.length === 0) continue;
    let severity: Severity = 'low';
    for (const f of inner) if (isAtLeast(f.severity, severity)) severity = f.severity;
    out.push({
      kind: 'encoded-injection',
      severity,
      start: index,
      end: index + blob.length,
      message: `${name}-encoded text contains ${[...new Set(inner.map((f) => f.kind))].join(', ')}`,
      decoded: decoded.length > maxDecodedChars ? `${decoded.slice(0, maxDecodedChars)}…` : decoded,
      rule: name,
    });
  }
  return out;
}

function isBase64Char(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2b ||
    c === 0x2f ||
    c === 0x5f ||
    c === 0x2d
  );
}

/** Maximal runs of base64/base64url characters (plus up to two `=`) of at least 24 characters; a plain loop, linear. */
function base64Runs(text: string): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && isBase64Char(text.charCodeAt(i))) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start >= MIN_BASE64 && i - start <= MAX_BLOB) {
      let end = i;
      while (end < text.length && end - i < 2 && text.charCodeAt(end) === 0x3d) end++;
      runs.push([start, end]);
      if (runs.length >= MAX_BLOBS) break;
    }
    start = -1;
  }
  return runs;
}

/** ROT13 of ASCII letters; everything else unchanged (length-preserving). */
export function rot13(s: string): string {
  const parts: string[] = [];
  for (let at = 0; at < s.length; at += 8192) {
    const end = Math.min(s.length, at + 8192);
    const codes = new Uint16Array(end - at);
    for (let i = at; i < end; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0x61 && c <= 0x7a) c = ((c - 0x61 + 13) % 26) + 0x61;
      else if (c >= 0x41 && c <= 0x5a) c = ((c - 0x41 + 13) % 26) + 0x41;
      codes[i - at] = c;
    }
    parts.push(String.fromCharCode.apply(null, codes as unknown as number[]));
  }
  return parts.join('');
}

/** ROT13 forms of the words rot13-encoded injections must contain (ignore, disregard, forget, reveal, instruction, prompt, override, system, user). */
export const ROT13_NEEDLES: readonly string[] = Object.freeze([
  'vtaber',
  'qvfertneq',
  'sbetrg',
  'erirny',
  'vafgehpgvba',
  'cebzcg',
  'bireevqr',
  'flfgrz',
  'hfre',
]);
