import type { ByteIndex } from './taint-index.js';
import { findRuns, mayHold, WINDOW_BYTES } from './taint-index.js';

/** How tainted bytes were carried: as written, percent-decoded, base64/base64url/hex-decoded, or joined across URL parts. */
export type TaintDecoding = 'plain' | 'percent' | 'base64' | 'hex' | 'joined';

/** The longest run of tainted bytes found in a value. */
export interface TaintHit {
  /** Length of the run in bytes. */
  bytes: number;
  /** Index sources (blocks) the run's windows came from. */
  owners: number[];
  /** The URL part (`query`, `path`, `fragment`, `userinfo`, `subdomain`, `url`) or `value`. */
  channel: string;
  decoding: TaintDecoding;
}

interface Candidate {
  bytes: Uint8Array;
  channel: string;
  decoding: TaintDecoding;
}

const encoder = new TextEncoder();
const B64_RUN = /[A-Za-z0-9+/_-]{11,}/g;
const HEX_RUN = /[0-9a-fA-F]{16,}/g;
const B64_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  B64_VALUES['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
}
B64_VALUES[0x2d] = 62; // base64url '-'
B64_VALUES[0x5f] = 63; // base64url '_'

/** Percent-decodes to bytes, leniently: a malformed `%` stays as it is. `+` is a space in a query. */
export function percentDecode(text: string, plusIsSpace: boolean): Uint8Array {
  if (!text.includes('%') && !(plusIsSpace && text.includes('+'))) return encodePlain(text);
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      out.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === 0x2b && plusIsSpace) out.push(0x20);
    else if (c < 0x80) out.push(c);
    else {
      const cp = text.codePointAt(i) as number;
      for (const b of encoder.encode(String.fromCodePoint(cp))) out.push(b);
      if (cp > 0xffff) i++;
    }
  }
  return Uint8Array.from(out);
}

/** UTF-8 of `text`: ASCII copied by a loop (no native call for a short URL part), anything else by TextEncoder. */
function encodePlain(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return encoder.encode(text);
    out[i] = c;
  }
  return out;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Decodes base64 or base64url characters `text[from, to)` starting at a 6-bit offset, ignoring the tail. */
export function decodeBase64Run(text: string, from: number, to: number): Uint8Array {
  const out = new Uint8Array((((to - from) * 3) >> 2) + 1);
  let n = 0;
  let acc = 0;
  let bits = 0;
  for (let i = from; i < to; i++) {
    acc = (acc << 6) | (B64_VALUES[text.charCodeAt(i)] as number);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
    acc &= 0xff;
  }
  return out.subarray(0, n);
}

function decodeHexRun(text: string, from: number, to: number): Uint8Array {
  const out = new Uint8Array((to - from) >> 1);
  for (let i = 0; i < out.length; i++)
    out[i] = Number.parseInt(text.slice(from + 2 * i, from + 2 * i + 2), 16);
  return out;
}

/** Base64 (every 4-character alignment) and hex (both alignments) decodings of the runs in `text`. */
function decodings(text: string, channel: string, out: Candidate[]): void {
  B64_RUN.lastIndex = 0;
  for (let m = B64_RUN.exec(text); m !== null; m = B64_RUN.exec(text)) {
    const end = m.index + m[0].length;
    for (let shift = 0; shift < 4; shift++) {
      out.push({ bytes: decodeBase64Run(text, m.index + shift, end), channel, decoding: 'base64' });
    }
  }
  HEX_RUN.lastIndex = 0;
  for (let m = HEX_RUN.exec(text); m !== null; m = HEX_RUN.exec(text)) {
    const end = m.index + m[0].length;
    out.push({ bytes: decodeHexRun(text, m.index, end), channel, decoding: 'hex' });
    out.push({ bytes: decodeHexRun(text, m.index + 1, end), channel, decoding: 'hex' });
  }
}

const latin1 = new TextDecoder('latin1');

interface UrlPiece {
  channel: string;
  text: string;
  plus: boolean;
}

/** The pieces of a URL by part, split where data could be split: labels, segments, keys, values. */
function urlPieces(url: string): UrlPiece[] {
  const pieces: UrlPiece[] = [];
  let rest = url;
  const scheme = /^[a-z][a-z0-9+.-]{0,31}:/i.exec(rest);
  if (scheme !== null) rest = rest.slice(scheme[0].length);
  const hasAuthority = rest.startsWith('//') || (scheme === null && /^www\./i.test(rest));
  if (hasAuthority) {
    if (rest.startsWith('//')) rest = rest.slice(2);
    const authorityEnd = rest.search(/[/?#]/);
    const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
    rest = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
    const at = authority.lastIndexOf('@');
    if (at !== -1) pieces.push({ channel: 'userinfo', text: authority.slice(0, at), plus: false });
    const host = (at === -1 ? authority : authority.slice(at + 1)).replace(/:\d*$/, '');
    const labels = host.split('.');
    for (const label of labels.slice(0, -2)) pieces.push({ channel: 'subdomain', text: label, plus: false });
  }
  const hash = rest.indexOf('#');
  const fragment = hash === -1 ? '' : rest.slice(hash + 1);
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? '' : rest.slice(q + 1);
  for (const segment of path.split('/'))
    if (segment !== '') pieces.push({ channel: 'path', text: segment, plus: false });
  for (const pair of query.split(/[&;]/)) {
    const eq = pair.indexOf('=');
    if (eq === -1) pieces.push({ channel: 'query', text: pair, plus: true });
    else {
      pieces.push({ channel: 'query-key', text: pair.slice(0, eq), plus: true });
      pieces.push({ channel: 'query', text: pair.slice(eq + 1), plus: true });
    }
  }
  if (fragment !== '') pieces.push({ channel: 'fragment', text: fragment, plus: false });
  return pieces.filter((p) => p.text !== '');
}

/**
 * The longest run of bytes of `index` that `url` carries in any part, as
 * written or after percent, base64, base64url or hex decoding, also with the
 * parts of each kind (and all parts) joined, so data split across subdomain
 * labels or query parameters is seen whole. Windows that are also in
 * `vouched` do not count. Linear in the URL.
 */
export function findUrlTaint(url: string, index: ByteIndex, vouched?: ByteIndex): TaintHit | undefined {
  if (index.windows === 0) return undefined;
  // The common case, a URL that carries nothing: one cheap pass proves it
  // before any candidate is built (see mayCarryTaint, joinAsciiParts).
  const ascii = joinAsciiParts(url, joinScratch);
  if (ascii && !probeJoins(joinScratch, index)) return undefined;
  const pieces = urlPieces(url);
  const parts: Uint8Array[] = [];
  for (const p of pieces) parts.push(percentDecode(p.text, p.plus));
  if (!ascii && !mayCarryTaint(pieces, parts, index)) return undefined;
  return piecesHit(pieces, parts, index, vouched);
}

/**
 * `findUrlTaint` without its fast rejection: every candidate built and
 * searched. The reference the fast path is tested against.
 */
export function findUrlTaintExhaustive(
  url: string,
  index: ByteIndex,
  vouched?: ByteIndex,
): TaintHit | undefined {
  const pieces = urlPieces(url);
  return piecesHit(
    pieces,
    pieces.map((p) => percentDecode(p.text, p.plus)),
    index,
    vouched,
  );
}

/** The best hit over the candidates of a URL's pieces and their percent-decoded bytes. */
function piecesHit(
  pieces: readonly UrlPiece[],
  parts: readonly Uint8Array[],
  index: ByteIndex,
  vouched?: ByteIndex,
): TaintHit | undefined {
  const candidates: Candidate[] = [];
  const byChannel = new Map<string, Uint8Array[]>();
  const all: Uint8Array[] = [];
  pieces.forEach((p, i) => {
    const bytes = parts[i] as Uint8Array;
    const decoding: TaintDecoding =
      bytes.length === p.text.length && !p.text.includes('%') ? 'plain' : 'percent';
    candidates.push({ bytes, channel: p.channel, decoding });
    decodings(latin1.decode(bytes), p.channel, candidates);
    const list = byChannel.get(p.channel) ?? [];
    list.push(bytes);
    byChannel.set(p.channel, list);
    all.push(bytes);
  });
  const joins: [string, Uint8Array[]][] = [...byChannel.entries()].filter(([, l]) => l.length > 1);
  if (all.length > 1) joins.push(['url', all]);
  for (const [channel, joinedParts] of joins) {
    const joined = concat(joinedParts);
    candidates.push({ bytes: joined, channel, decoding: 'joined' });
    decodings(latin1.decode(joined), channel, candidates);
  }
  return bestHit(candidates, index, vouched);
}

/**
 * Whether any candidate of `findUrlTaint` could hold a window of `index`.
 * Every candidate's windows are windows of a smaller set: a part, as written
 * or percent-decoded, is a substring of all parts joined; its base64 or hex
 * run lies inside a run of the joined text, whose decodings at every 4- (2-)
 * character alignment hold the part's decodings as substrings (base64 emits
 * whole bytes per 4 characters from any aligned start). So probing all parts
 * joined and each kind's parts joined, as written and decoded, finds every
 * window the candidates hold (and ignores `vouched`: a superset). Linear in
 * the URL; nothing is allocated but the joins.
 */
function mayCarryTaint(
  pieces: readonly { channel: string }[],
  parts: readonly Uint8Array[],
  index: ByteIndex,
): boolean {
  if (probeJoined(concat(parts), index)) return true;
  for (let i = 0; i < pieces.length; i++) {
    const channel = (pieces[i] as { channel: string }).channel;
    let first = true;
    for (let k = 0; k < i; k++) if ((pieces[k] as { channel: string }).channel === channel) first = false;
    if (!first) continue;
    const same: Uint8Array[] = [];
    for (let k = i; k < pieces.length; k++)
      if ((pieces[k] as { channel: string }).channel === channel) same.push(parts[k] as Uint8Array);
    if (same.length > 1 && probeJoined(concat(same), index)) return true;
  }
  return false;
}

/** The joins `mayCarryTaint` probes, written without building the pieces: all parts, and per kind. */
interface JoinScratch {
  /** 0 all parts, 1 subdomain labels, 2 path segments, 3 query keys, 4 query values. */
  bytes: Uint8Array[];
  lengths: Int32Array;
  pieces: Int32Array;
}

const joinScratch: JoinScratch = {
  bytes: [0, 1, 2, 3, 4].map(() => new Uint8Array(256)),
  lengths: new Int32Array(5),
  pieces: new Int32Array(5),
};

/** Room for `extra` more bytes in join `k`. */
function reserve(j: JoinScratch, k: number, extra: number): Uint8Array {
  const have = j.bytes[k] as Uint8Array;
  const need = (j.lengths[k] as number) + extra;
  if (have.length >= need) return have;
  const grown = new Uint8Array(Math.max(need, have.length * 2));
  grown.set(have);
  j.bytes[k] = grown;
  return grown;
}

/**
 * Appends the percent-decoded bytes of ASCII `url[from, to)` (`+` a space
 * when `plus`) to join 0 (all parts) and, for `kind` > 0, to join `kind`.
 */
function appendPart(
  url: string,
  from: number,
  to: number,
  plus: boolean,
  kind: number,
  j: JoinScratch,
): void {
  if (to <= from) return;
  const all = reserve(j, 0, to - from);
  const own = kind === 0 ? all : reserve(j, kind, to - from);
  let a = j.lengths[0] as number;
  let o = j.lengths[kind] as number;
  for (let i = from; i < to; i++) {
    let c = url.charCodeAt(i);
    if (c === 0x25 && i + 2 < to && isHex(url.charCodeAt(i + 1)) && isHex(url.charCodeAt(i + 2))) {
      c = (hexValue(url.charCodeAt(i + 1)) << 4) | hexValue(url.charCodeAt(i + 2));
      i += 2;
    } else if (c === 0x2b && plus) c = 0x20;
    all[a++] = c;
    if (kind !== 0) own[o++] = c;
  }
  j.lengths[0] = a;
  j.pieces[0]!++;
  if (kind !== 0) {
    j.lengths[kind] = o;
    j.pieces[kind]!++;
  }
}

const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isSchemeChar = (c: number): boolean =>
  isAlpha(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2e || c === 0x2d;

/**
 * The parts of an ASCII URL exactly as `urlPieces` cuts them and
 * `percentDecode` decodes them, appended to the joins of `j` (all parts, and
 * per kind) without a string or object per part. Returns false (nothing
 * written) for a URL with a non-ASCII character: that one takes the general path.
 */
function joinAsciiParts(url: string, j: JoinScratch): boolean {
  for (let i = 0; i < url.length; i++) if (url.charCodeAt(i) >= 0x80) return false;
  j.lengths.fill(0);
  j.pieces.fill(0);
  let p = 0;
  // /^[a-z][a-z0-9+.-]{0,31}:/i
  let scheme = false;
  if (isAlpha(url.charCodeAt(0))) {
    let k = 1;
    while (k < url.length && k <= 32 && isSchemeChar(url.charCodeAt(k))) k++;
    if (k <= 32 && url.charCodeAt(k) === 0x3a) {
      scheme = true;
      p = k + 1;
    }
  }
  const slashes = url.charCodeAt(p) === 0x2f && url.charCodeAt(p + 1) === 0x2f;
  const www =
    !scheme &&
    (url.charCodeAt(p) | 0x20) === 0x77 &&
    (url.charCodeAt(p + 1) | 0x20) === 0x77 &&
    (url.charCodeAt(p + 2) | 0x20) === 0x77 &&
    url.charCodeAt(p + 3) === 0x2e;
  if (slashes || www) {
    if (slashes) p += 2;
    let end = p;
    while (end < url.length) {
      const c = url.charCodeAt(end);
      if (c === 0x2f || c === 0x3f || c === 0x23) break;
      end++;
    }
    const at = url.lastIndexOf('@', end - 1);
    let hostStart = p;
    if (at >= p) {
      appendPart(url, p, at, false, 0, j);
      hostStart = at + 1;
    }
    // The host without a `:port` (`/:\d*$/`), cut at dots; all labels but the last two.
    let hostEnd = end;
    let k = hostEnd;
    while (k > hostStart && url.charCodeAt(k - 1) >= 0x30 && url.charCodeAt(k - 1) <= 0x39) k--;
    if (k > hostStart && url.charCodeAt(k - 1) === 0x3a) hostEnd = k - 1;
    let dots = 0;
    for (let i = hostStart; i < hostEnd; i++) if (url.charCodeAt(i) === 0x2e) dots++;
    let label = hostStart;
    for (let i = hostStart, seen = 0; i < hostEnd && seen < dots - 1; i++) {
      if (url.charCodeAt(i) !== 0x2e) continue;
      appendPart(url, label, i, false, 1, j);
      label = i + 1;
      seen++;
    }
    p = end;
  }
  let hash = url.indexOf('#', p);
  if (hash === -1) hash = url.length;
  let q = url.indexOf('?', p);
  if (q === -1 || q > hash) q = hash;
  for (let i = p, segment = p; i <= q; i++) {
    if (i === q || url.charCodeAt(i) === 0x2f) {
      appendPart(url, segment, i, false, 2, j);
      segment = i + 1;
    }
  }
  if (q < hash) {
    for (let i = q + 1, pair = q + 1; i <= hash; i++) {
      const c = url.charCodeAt(i);
      if (i < hash && c !== 0x26 && c !== 0x3b) continue;
      let eq = -1;
      for (let k = pair; k < i; k++) {
        if (url.charCodeAt(k) === 0x3d) {
          eq = k;
          break;
        }
      }
      if (eq === -1) appendPart(url, pair, i, true, 4, j);
      else {
        appendPart(url, pair, eq, true, 3, j);
        appendPart(url, eq + 1, i, true, 4, j);
      }
      pair = i + 1;
    }
  }
  if (hash < url.length) appendPart(url, hash + 1, url.length, false, 0, j);
  return true;
}

/** `mayCarryTaint` over joins written by `joinAsciiParts`. */
function probeJoins(j: JoinScratch, index: ByteIndex): boolean {
  if (probeJoined((j.bytes[0] as Uint8Array).subarray(0, j.lengths[0]), index)) return true;
  for (let k = 1; k < 5; k++) {
    if (
      (j.pieces[k] as number) > 1 &&
      probeJoined((j.bytes[k] as Uint8Array).subarray(0, j.lengths[k]), index)
    )
      return true;
  }
  return false;
}

/** Whether `bytes`, as they are or base64/hex-decoded (as `decodings` reads them), hold a window of `index`. */
function probeJoined(bytes: Uint8Array, index: ByteIndex): boolean {
  if (probeWindows(bytes, 0, bytes.length, index)) return true;
  for (let i = 0; i < bytes.length; ) {
    if (!isB64Byte(bytes[i] as number)) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < bytes.length && isB64Byte(bytes[end] as number)) end++;
    if (end - i >= 11) {
      for (let shift = 0; shift < 4; shift++) if (probeBase64(bytes, i + shift, end, index)) return true;
    }
    i = end;
  }
  for (let i = 0; i < bytes.length; ) {
    if (!isHex(bytes[i] as number)) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < bytes.length && isHex(bytes[end] as number)) end++;
    if (end - i >= 16 && (probeHex(bytes, i, end, index) || probeHex(bytes, i + 1, end, index))) return true;
    i = end;
  }
  return false;
}

function isB64Byte(c: number): boolean {
  return c < 0x80 && (B64_VALUES[c] as number) >= 0;
}

/** Whether some 8-byte window of `bytes[from, to)` is in `index` (rolling, no copy). */
function probeWindows(bytes: Uint8Array, from: number, to: number, index: ByteIndex): boolean {
  let lo = 0;
  let hi = 0;
  for (let k = from; k < to; k++) {
    lo = ((lo >>> 8) | ((hi & 0xff) << 24)) >>> 0;
    hi = ((hi >>> 8) | ((bytes[k] as number) << 24)) >>> 0;
    if (k - from >= WINDOW_BYTES - 1 && mayHold(index, lo, hi) && index.find(lo, hi) !== -1) return true;
  }
  return false;
}

/** `decodeBase64Run` over byte codes, each decoded byte probed as it is made. */
function probeBase64(bytes: Uint8Array, from: number, to: number, index: ByteIndex): boolean {
  let acc = 0;
  let bits = 0;
  let n = 0;
  let lo = 0;
  let hi = 0;
  for (let i = from; i < to; i++) {
    acc = (acc << 6) | (B64_VALUES[bytes[i] as number] as number);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const b = (acc >> bits) & 0xff;
      lo = ((lo >>> 8) | ((hi & 0xff) << 24)) >>> 0;
      hi = ((hi >>> 8) | (b << 24)) >>> 0;
      if (++n >= WINDOW_BYTES && mayHold(index, lo, hi) && index.find(lo, hi) !== -1) return true;
    }
    acc &= 0xff;
  }
  return false;
}

function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

/** `decodeHexRun` over byte codes, each decoded byte probed as it is made. */
function probeHex(bytes: Uint8Array, from: number, to: number, index: ByteIndex): boolean {
  let lo = 0;
  let hi = 0;
  let n = 0;
  for (let i = from; i + 1 < to; i += 2) {
    const b = (hexValue(bytes[i] as number) << 4) | hexValue(bytes[i + 1] as number);
    lo = ((lo >>> 8) | ((hi & 0xff) << 24)) >>> 0;
    hi = ((hi >>> 8) | (b << 24)) >>> 0;
    if (++n >= WINDOW_BYTES && mayHold(index, lo, hi) && index.find(lo, hi) !== -1) return true;
  }
  return false;
}

/**
 * The longest run of `index` bytes in a plain value (a tool argument): as
 * written, percent-decoded, and base64/hex-decoded.
 */
export function findValueTaint(value: string, index: ByteIndex, vouched?: ByteIndex): TaintHit | undefined {
  const candidates: Candidate[] = [{ bytes: encoder.encode(value), channel: 'value', decoding: 'plain' }];
  if (value.includes('%'))
    candidates.push({ bytes: percentDecode(value, false), channel: 'value', decoding: 'percent' });
  decodings(value, 'value', candidates);
  return bestHit(candidates, index, vouched);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function bestHit(
  candidates: readonly Candidate[],
  index: ByteIndex,
  vouched?: ByteIndex,
): TaintHit | undefined {
  let best: TaintHit | undefined;
  for (const c of candidates) {
    if (c.bytes.length < WINDOW_BYTES) continue;
    for (const run of findRuns(c.bytes, index, vouched)) {
      const bytes = run.end - run.start;
      if (best === undefined || bytes > best.bytes) {
        best = { bytes, owners: run.owners, channel: c.channel, decoding: c.decoding };
      }
    }
  }
  return best;
}
