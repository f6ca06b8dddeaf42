import type { Finding, Severity } from './finding.js';
import { isAtLeast } from './finding.js';

// Encoded blobs (base64, hex, percent-encoding) are decoded and handed back to
// the caller's scanner, to a bounded depth and a bounded total size.

const BASE64 = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{24,65536}={0,2}(?![A-Za-z0-9+/=_-])/g;
const HEX = /(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){16,32768}(?![0-9A-Fa-f])/g;
const PERCENT = /(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9._~+!*'(),;:@&=$/?-]){12,65536}/g;
const MAX_BLOBS = 256;
const MAX_DECODED_TOTAL = 1 << 20;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function printableText(bytes: Uint8Array): string | undefined {
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
  return printable >= 0.9 * text.length && /[a-z]{3}/i.test(text) ? text : undefined;
}

function decodeBase64(s: string): string | undefined {
  const clean = s.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (clean.length % 4 === 1) return undefined;
  let bin: string;
  try {
    bin = atob(clean + '='.repeat((4 - (clean.length % 4)) % 4));
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return printableText(bytes);
}

function decodeHex(s: string): string | undefined {
  const bytes = new Uint8Array(s.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return printableText(bytes);
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
  let blobs = 0;
  let budget = MAX_DECODED_TOTAL;
  const schemes: [string, RegExp, (s: string) => string | undefined][] = [
    ['base64', BASE64, decodeBase64],
    ['hex', HEX, decodeHex],
    ['url', PERCENT, decodePercent],
  ];
  for (const [name, shared, decode] of schemes) {
    // A fresh regex per call: `rescan` re-enters this function.
    const re = new RegExp(shared);
    for (let m = re.exec(text); m !== null && blobs < MAX_BLOBS && budget > 0; m = re.exec(text)) {
      blobs++;
      const decoded = decode(m[0]);
      if (decoded === undefined || decoded === m[0]) continue;
      budget -= decoded.length;
      const inner = rescan(decoded, depth + 1);
      if (inner.length === 0) continue;
      let severity: Severity = 'low';
      for (const f of inner) if (isAtLeast(f.severity, severity)) severity = f.severity;
      out.push({
        kind: 'encoded-injection',
        severity,
        start: m.index,
        end: m.index + m[0].length,
        message: `${name}-encoded text contains ${[...new Set(inner.map((f) => f.kind))].join(', ')}`,
        decoded: decoded.length > maxDecodedChars ? `${decoded.slice(0, maxDecodedChars)}…` : decoded,
        rule: name,
      });
    }
  }
  return out;
}

/** ROT13 of ASCII letters; everything else unchanged (length-preserving). */
export function rot13(s: string): string {
  return s.replace(/[a-z]/gi, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}
