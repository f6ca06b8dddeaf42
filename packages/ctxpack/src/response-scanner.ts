import { InvalidArgumentError } from '@ctxpack/block';
import { assertArray, assertRecord } from '@ctxpack/block/kernel';
import type { Finding, Severity } from '@ctxpack/escape';
import { scan } from '@ctxpack/escape';
import type { TaintHit } from './find-taint.js';
import { findUrlTaint } from './find-taint.js';
import type { FoundUrl, UrlScanState } from './find-urls.js';
import { findUrls, MAX_URL_CHARS } from './find-urls.js';
import type { Payload } from './payload.js';
import type { PayloadTaint } from './payload-taint.js';
import { payloadTaint } from './payload-taint.js';
import type { ResponseAction, ResponseFinding } from './response-finding.js';
import { readActions } from './response-finding.js';
import { needsEscapeScan } from './scan-prefilter.js';
import type { ByteIndex } from './taint-index.js';
import { filterHash, mayHold, WINDOW_BYTES } from './taint-index.js';

/** Options of `checkResponse` and `createResponseGuard`. */
export interface CheckResponseOptions {
  /** The payload the output answers: its blocks' trust and labels decide what is tainted. */
  payload?: Payload;
  /** Hosts URLs may point to: `docs.example.com`, or `*.example.com` for its subdomains. Relative URLs are always allowed. */
  allowHosts?: readonly string[];
  /** Action per finding kind (and `default` for the rest); see `RESPONSE_ACTIONS` for the defaults. */
  actions?: Partial<Record<string, ResponseAction>>;
  thresholds?: {
    /** Shortest copied run that taints a URL (bytes, ≥ 8; default 8). */
    taintBytes?: number;
    /** Shortest run in the path of a URL on an allowed host from untrusted (not secret, not pii) blocks (default 16). */
    allowedPathTaintBytes?: number;
    /** Shortest run of the system prompt reported as a leak (bytes, default 64). */
    systemPromptBytes?: number;
    /** Shortest run of the boundary notice reported as a leak (bytes, default 32). */
    noticeBytes?: number;
  };
  /** Extra special tokens to find in the output (as `scan`'s `extraTokens`). */
  extraTokens?: readonly string[];
  /** Longest line checked as one unit; the guard holds back at most this much (default 16384 characters). */
  windowChars?: number;
}

/** Default action per finding kind; every other kind is `report`. */
export const RESPONSE_ACTIONS: Readonly<Record<string, ResponseAction>> = Object.freeze({
  'image-url': 'redact',
  'unsafe-url': 'redact',
  'tainted-url': 'redact',
  'nonce-leak': 'redact',
  secret: 'redact',
  'special-token': 'redact',
  'tag-characters': 'redact',
  'variation-selector-smuggling': 'redact',
  'sneaky-bits': 'redact',
});

const REPLACEMENT: Readonly<Record<string, string>> = {
  secret: '[REDACTED:secret]',
  'nonce-leak': '[redacted]',
  'tag-characters': '',
  'variation-selector-smuggling': '',
  'sneaky-bits': '',
};
const URL_REPLACEMENT = 'about:blank#blocked';
const MIN_WINDOW_CHARS = 256;
/** URLs whose taint one scanner remembers, each of at most MAX_CACHED_URL_CHARS (≤ 1 MiB in all). */
const MAX_CACHED_URLS = 256;
const MAX_CACHED_URL_CHARS = 2048;
const SCAN_DETECT = { injection: false, confusables: false, encoded: false } as const;

interface RunState {
  lo: number;
  hi: number;
  /** Bytes seen (saturating at the window). */
  seen: number;
  /** UTF-16 end offset (global) after each of the last 8 bytes, a ring. */
  ends: Float64Array;
  runStart: number;
  runBytes: number;
  runEnd: number;
  owners: Set<number>;
}

/** The streaming core shared by `checkResponse` and `createResponseGuard`: line by line, with carried state. */
export interface ResponseScanner {
  /** Adds text; returns the text that is now final (checked and, where asked, redacted). */
  push(text: string): string;
  /** Ends the input; returns the rest. */
  end(): string;
  readonly findings: ResponseFinding[];
  /** True once a finding's action was `block`. */
  readonly blocked: boolean;
}

function fail(path: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError({ path, expected, value });
}

function readPositive(value: unknown, path: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(path, `an integer ≥ ${min}`, value);
  }
  return value;
}

/**
 * Segments are lines (cut after `\n`) of at most `windowChars`; a longer line
 * is cut at its last white space in the second half of the window, else at
 * the window. The cut depends only on the text, never on how it arrived in
 * chunks, so a stream and a whole answer are checked alike.
 */
export function createResponseScanner(options: CheckResponseOptions): ResponseScanner {
  assertRecord(options as unknown, 'options');
  const taint = options.payload === undefined ? undefined : payloadTaint(options.payload);
  const allow = readHosts(options.allowHosts);
  const actions = readActions(options.actions, 'options.actions', fail);
  const thresholds = options.thresholds;
  if (thresholds !== undefined) assertRecord(thresholds as unknown, 'options.thresholds');
  const taintBytes = readPositive(
    thresholds?.taintBytes,
    'options.thresholds.taintBytes',
    WINDOW_BYTES,
    WINDOW_BYTES,
  );
  const pathBytes = readPositive(
    thresholds?.allowedPathTaintBytes,
    'options.thresholds.allowedPathTaintBytes',
    WINDOW_BYTES,
    16,
  );
  const systemBytes = readPositive(
    thresholds?.systemPromptBytes,
    'options.thresholds.systemPromptBytes',
    WINDOW_BYTES,
    64,
  );
  const noticeBytes = readPositive(
    thresholds?.noticeBytes,
    'options.thresholds.noticeBytes',
    WINDOW_BYTES,
    32,
  );
  const windowChars = readPositive(
    options.windowChars,
    'options.windowChars',
    MIN_WINDOW_CHARS,
    MAX_URL_CHARS,
  );
  const extraTokens = options.extraTokens;
  if (extraTokens !== undefined) assertArray(extraTokens, 'options.extraTokens');
  const scanOptions = { detect: SCAN_DETECT, ...(extraTokens === undefined ? {} : { extraTokens }) };
  // Registered tokens may have any shape: the prefilter only knows the built-in ones.
  const alwaysScan = extraTokens !== undefined && extraTokens.length > 0;
  const actionOf = (kind: string): ResponseAction =>
    actions[kind] ?? actions['default'] ?? RESPONSE_ACTIONS[kind] ?? 'report';

  const findings: ResponseFinding[] = [];
  let blocked = false;
  let buffer = '';
  let searched = 0;
  let offset = 0;
  const urlState: UrlScanState = { fence: undefined };
  let continuation: FoundUrl | undefined;
  let tail = '';
  const system = newRun();
  const notice = newRun();
  if (taint !== undefined && taint.taint.omittedBytes > 0) {
    findings.push({
      kind: 'taint-limit',
      severity: 'medium',
      start: 0,
      end: 0,
      message: `${taint.taint.omittedBytes} bytes of tainted context were over the index limit and are not checked`,
      blockIds: [],
      action: actionOf('taint-limit'),
    });
  }

  const add = (
    f: Omit<ResponseFinding, 'action'>,
    redactions: [number, number, string][],
    segStart: number,
  ) => {
    const action = actionOf(f.kind);
    findings.push({ ...f, action });
    if (action === 'block') blocked = true;
    if (action === 'redact') {
      const replacement = f.kind.endsWith('-url') ? URL_REPLACEMENT : (REPLACEMENT[f.kind] ?? '[redacted]');
      redactions.push([Math.max(f.start, segStart) - segStart, f.end - segStart, replacement]);
    }
  };

  // What a URL is (script, data, its host, allowed or not, its taint) depends only
  // on the URL, the allow-list and the payload: an answer that cites one link
  // many times reads, decodes and probes it once. Bounded; cleared when full.
  const verdicts = new Map<string, UrlVerdict>();
  const verdictOf = (url: string): UrlVerdict => {
    const known = verdicts.get(url);
    if (known !== undefined) return known;
    let v: UrlVerdict;
    if (/^\s*(?:javascript|vbscript):/i.test(url)) v = { script: true };
    else if (/^data:/i.test(url)) v = { data: true };
    else {
      const host = hostOf(url);
      const allowed = host === undefined || isAllowed(host, allow);
      const tainted =
        taint === undefined || taint.copiedUrls.has(url)
          ? undefined
          : findUrlTaint(url, taint.taint, taint.vouched);
      v = { host, allowed, ...(tainted === undefined ? {} : { tainted }) };
    }
    if (url.length <= MAX_CACHED_URL_CHARS) {
      if (verdicts.size >= MAX_CACHED_URLS) verdicts.clear();
      verdicts.set(url, v);
    }
    return v;
  };

  const checkUrl = (u: FoundUrl, segStart: number, redactions: [number, number, string][]) => {
    const start = segStart + u.start;
    const end = segStart + u.end;
    const v = verdictOf(u.url);
    if (v.script === true) {
      add(
        {
          kind: 'unsafe-url',
          severity: 'high',
          start,
          end,
          message: 'a script URL',
          blockIds: [],
          rule: u.rule,
        },
        redactions,
        segStart,
      );
      return;
    }
    if (v.data === true) return;
    const { host, allowed = true } = v;
    if (!allowed && u.context !== 'code') {
      const kind = u.context === 'image' ? 'image-url' : 'link-url';
      const severity: Severity = u.context === 'image' ? 'high' : u.context === 'link' ? 'medium' : 'low';
      const what =
        u.context === 'image' ? 'fetched without a click' : u.context === 'link' ? 'a link' : 'a bare URL';
      add(
        {
          kind,
          severity,
          start,
          end,
          message: `${what} to ${host}, which is not an allowed host`,
          blockIds: [],
          rule: u.rule,
        },
        redactions,
        segStart,
      );
    }
    const hit = v.tainted;
    if (taint === undefined || hit === undefined || hit.bytes < taintBytes) return;
    const blockIds = hit.owners.map((o) => taint.taintedIds[o] as string);
    const sensitive = hit.owners.some((o) => isSensitive(taint, o));
    const hidden = hit.decoding !== 'plain' && hit.decoding !== 'percent';
    if (!sensitive && !hidden && allowed && hit.channel === 'path' && hit.bytes < pathBytes) return;
    const severity: Severity =
      u.context === 'code' ? 'low' : sensitive || hidden || !allowed || hit.bytes >= 16 ? 'high' : 'medium';
    add(
      {
        kind: 'tainted-url',
        severity,
        start,
        end,
        message: `the URL carries ${hit.bytes} bytes of ${sensitive ? 'secret or labelled' : 'untrusted'} context (${hit.channel}, ${hit.decoding})${allowed ? ' on an allowed host' : ''}`,
        blockIds,
        rule: `${hit.channel}:${hit.decoding}`,
      },
      redactions,
      segStart,
    );
  };

  const analyze = (seg: string, hardCut: boolean): string => {
    const segStart = offset;
    const redactions: [number, number, string][] = [];
    let urls = findUrls(seg, urlState);
    if (continuation !== undefined) {
      let e = 0;
      while (e < seg.length && !/\s/.test(seg[e] as string)) e++;
      if (e > 0)
        urls = [
          { ...continuation, url: seg.slice(0, e), start: 0, end: e },
          ...urls.filter((u) => u.start >= e),
        ];
    }
    for (const u of urls) checkUrl(u, segStart, redactions);
    const last = urls[urls.length - 1];
    continuation = hardCut && last !== undefined && last.end === seg.length ? last : undefined;
    if (alwaysScan || needsEscapeScan(seg)) {
      for (const f of scan(seg, scanOptions).findings) addScan(f, segStart, redactions);
    }
    if (taint?.nonce !== undefined) {
      const window = (tail + seg).toLowerCase();
      for (let i = window.indexOf(taint.nonce); i !== -1; i = window.indexOf(taint.nonce, i + 1)) {
        const start = segStart - tail.length + i;
        const end = start + taint.nonce.length;
        if (end <= segStart) continue;
        add(
          {
            kind: 'nonce-leak',
            severity: 'high',
            start,
            end,
            message: 'the output repeats the live boundary nonce',
            blockIds: [],
          },
          redactions,
          segStart,
        );
      }
      tail = window.slice(-(taint.nonce.length - 1));
    }
    if (taint !== undefined) {
      trackRuns(seg, segStart, taint, redactions);
    }
    offset += seg.length;
    return applyRedactions(seg, redactions);
  };

  const addScan = (f: Finding, segStart: number, redactions: [number, number, string][]) => {
    add(
      {
        kind: f.kind,
        severity: f.severity,
        start: segStart + f.start,
        end: segStart + f.end,
        message: f.message,
        blockIds: [],
        ...(f.rule === undefined ? {} : { rule: f.rule }),
      },
      redactions,
      segStart,
    );
  };

  type RunDef = [RunState, number, string, string, 'system' | 'notice'];
  const runDefs: RunDef[] = [];
  if (taint !== undefined && taint.system.windows > 0) {
    runDefs.push([system, systemBytes, 'system-prompt-leak', 'the system prompt', 'system']);
  }
  if (taint !== undefined && taint.notice.windows > 0) {
    runDefs.push([notice, noticeBytes, 'boundary-notice-leak', 'the boundary notice', 'notice']);
  }
  const scratch: Utf8Scratch = { bytes: new Uint8Array(0), ends: new Uint32Array(0) };
  let lastRedactions: [number, number, string][] = [];
  let lastSegStart = 0;
  const finish = ([r, min, kind, what, which]: RunDef) => {
    if (r.runBytes >= min && taint !== undefined) {
      const blockIds = which === 'system' ? [...r.owners].map((o) => taint.systemIds[o] as string) : [];
      add(
        {
          kind,
          severity: 'high',
          start: r.runStart,
          end: r.runEnd,
          message: `the output repeats ${r.runBytes} bytes of ${what}`,
          blockIds,
        },
        lastRedactions,
        lastSegStart,
      );
    }
    r.runBytes = 0;
    r.owners.clear();
  };
  const trackRuns = (
    seg: string,
    segStart: number,
    t: PayloadTaint,
    redactions: [number, number, string][],
  ) => {
    if (runDefs.length === 0) return;
    lastRedactions = redactions;
    lastSegStart = segStart;
    const count = encodeWithEnds(seg, scratch);
    const { bytes, ends } = scratch;
    for (const def of runDefs) {
      const [r, min, , , which] = def;
      const index = which === 'system' ? t.system : t.notice;
      const ring = r.ends;
      const { filter, filterMask } = index;
      const before = r.seen;
      // A reported run holds at least `stride` consecutive windows, so it holds
      // one of every stride-th window. When none of those is indexed and no run
      // is open, no run that matters lies in the segment but one that starts in
      // its last stride + 8 bytes (and may go on in the next): only those bytes
      // are tracked window by window. A run cut off by that start is shorter
      // than `min` and ends before the segment does, so it is never reported.
      const stride = min - (WINDOW_BYTES - 1);
      let from = 0;
      if (
        r.runBytes === 0 &&
        stride >= 16 &&
        count > 2 * (stride + WINDOW_BYTES) &&
        !sampledHit(bytes, count, stride, index)
      ) {
        from = count - stride - WINDOW_BYTES;
      }
      let { lo, hi } = r;
      if (from > 0) {
        lo =
          (bytes[from - 8]! |
            (bytes[from - 7]! << 8) |
            (bytes[from - 6]! << 16) |
            (bytes[from - 5]! << 24)) >>>
          0;
        hi =
          (bytes[from - 4]! |
            (bytes[from - 3]! << 8) |
            (bytes[from - 2]! << 16) |
            (bytes[from - 1]! << 24)) >>>
          0;
      }
      let seen = before + from;
      for (let k = from; k < count; k++) {
        lo = ((lo >>> 8) | ((hi & 0xff) << 24)) >>> 0;
        hi = ((hi >>> 8) | (bytes[k]! << 24)) >>> 0;
        seen++;
        if (seen < WINDOW_BYTES) continue;
        const bit = filterHash(lo, hi) & filterMask;
        const owner = (filter[bit >>> 5]! & (1 << (bit & 31))) === 0 ? -1 : index.find(lo, hi);
        if (owner === -1) {
          if (r.runBytes > 0) finish(def);
          continue;
        }
        if (r.runBytes === 0) {
          // The window's first byte starts where the byte before it ended:
          // in this segment, or (k < 8) in the ring of the last bytes before it.
          r.runStart =
            seen <= WINDOW_BYTES
              ? 0
              : k >= WINDOW_BYTES
                ? segStart + ends[k - WINDOW_BYTES]!
                : ring[(seen - WINDOW_BYTES - 1) & 7]!;
          r.runBytes = WINDOW_BYTES;
        } else r.runBytes++;
        r.runEnd = segStart + ends[k]!;
        if (r.owners.size < 16) r.owners.add(owner);
      }
      // The ring keeps the end offsets of the last 8 bytes (by global byte number) for the next segment.
      for (let k = Math.max(0, count - 8); k < count; k++) ring[(before + k) & 7] = segStart + ends[k]!;
      r.lo = lo;
      r.hi = hi;
      r.seen = seen;
    }
    // A run still open at the segment's end: redact its part here if it is already long enough.
    for (const [r, min, kind] of runDefs) {
      if (r.runBytes >= min && actionOf(kind) === 'redact') {
        redactions.push([Math.max(r.runStart, segStart) - segStart, r.runEnd - segStart, '[redacted]']);
      }
    }
  };

  const drain = (final: boolean): string => {
    let out = '';
    for (;;) {
      if (buffer.length === 0) break;
      // Look for the line end only inside the window: text beyond it is never part of this segment.
      const found = buffer.slice(0, windowChars).indexOf('\n', searched);
      const nl = found;
      let cut: number;
      let hardCut = false;
      if (nl !== -1 && nl < windowChars) cut = nl + 1;
      else if (buffer.length >= windowChars) {
        const space = lastSpace(buffer, windowChars);
        hardCut = space === -1;
        cut = hardCut ? windowChars : space + 1;
        if (hardCut && isHighSurrogate(buffer.charCodeAt(cut - 1))) cut--;
      } else if (final) cut = buffer.length;
      else {
        searched = buffer.length;
        break;
      }
      const seg = buffer.slice(0, cut);
      buffer = buffer.slice(cut);
      searched = 0;
      out += analyze(seg, hardCut);
    }
    if (final) for (const def of runDefs) if (def[0].runBytes > 0) finish(def);
    return out;
  };

  return {
    findings,
    get blocked() {
      return blocked;
    },
    push: (text) => {
      buffer += text;
      return drain(false);
    },
    end: () => drain(true),
  };
}

/** Reused per scanner: the UTF-8 bytes of a segment and, per byte, the segment offset after its character. */
interface Utf8Scratch {
  bytes: Uint8Array;
  ends: Uint32Array;
}

/**
 * Writes the UTF-8 bytes of `seg` (a lone surrogate as U+FFFD, as
 * TextEncoder does) into `scratch` with, per byte, the UTF-16 offset in `seg`
 * just after its character; returns the byte count. The buffers grow to
 * 3 bytes per code unit at most and are reused, not allocated per segment.
 */
function encodeWithEnds(seg: string, scratch: Utf8Scratch): number {
  const need = seg.length * 3;
  if (scratch.bytes.length < need) {
    scratch.bytes = new Uint8Array(need);
    scratch.ends = new Uint32Array(need);
  }
  const { bytes, ends } = scratch;
  let b = 0;
  for (let i = 0; i < seg.length; i++) {
    let c = seg.charCodeAt(i);
    if (c < 0x80) {
      bytes[b] = c;
      ends[b++] = i + 1;
      continue;
    }
    const end0 = b;
    if (c < 0x800) {
      bytes[b++] = 0xc0 | (c >> 6);
      bytes[b++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff && (seg.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = ((c - 0xd800) << 10) + (seg.charCodeAt(i + 1) - 0xdc00) + 0x10000;
      i++;
      bytes[b++] = 0xf0 | (c >> 18);
      bytes[b++] = 0x80 | ((c >> 12) & 0x3f);
      bytes[b++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[b++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      bytes[b++] = 0xe0 | (c >> 12);
      bytes[b++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[b++] = 0x80 | (c & 0x3f);
    }
    for (let k = end0; k < b; k++) ends[k] = i + 1;
  }
  return b;
}

/** Whether some window ending at byte 7, 7 + stride, 7 + 2·stride… of `bytes[0, count)` is in `index`. */
function sampledHit(bytes: Uint8Array, count: number, stride: number, index: ByteIndex): boolean {
  for (let k = WINDOW_BYTES - 1; k < count; k += stride) {
    const lo = (bytes[k - 7]! | (bytes[k - 6]! << 8) | (bytes[k - 5]! << 16) | (bytes[k - 4]! << 24)) >>> 0;
    const hi = (bytes[k - 3]! | (bytes[k - 2]! << 8) | (bytes[k - 1]! << 16) | (bytes[k]! << 24)) >>> 0;
    if (mayHold(index, lo, hi) && index.find(lo, hi) !== -1) return true;
  }
  return false;
}

/** What one URL is, whatever its context and place: see `verdictOf`. */
interface UrlVerdict {
  script?: true;
  data?: true;
  host?: string | undefined;
  allowed?: boolean;
  tainted?: TaintHit;
}

function newRun(): RunState {
  return {
    lo: 0,
    hi: 0,
    seen: 0,
    ends: new Float64Array(8),
    runStart: 0,
    runBytes: 0,
    runEnd: 0,
    owners: new Set(),
  };
}

function isSensitive(t: PayloadTaint, owner: number): boolean {
  return t.sensitive[owner] === true;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** The last white space in the second half of `text[0, window)`, or -1. */
function lastSpace(text: string, window: number): number {
  for (let i = window - 1; i >= window >> 1; i--) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09) return i;
  }
  return -1;
}

function applyRedactions(seg: string, redactions: [number, number, string][]): string {
  if (redactions.length === 0) return seg;
  redactions.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = '';
  let at = 0;
  for (const [start, end, text] of redactions) {
    if (end <= at) continue;
    const s = Math.max(start, at);
    out += seg.slice(at, s) + (s === start ? text : '');
    at = end;
  }
  return out + seg.slice(at);
}

function readHosts(value: unknown): readonly string[] {
  if (value === undefined) return [];
  assertArray(value, 'options.allowHosts');
  return value.map((h, i) => {
    if (typeof h !== 'string' || h.length === 0 || h.length > 253)
      fail(`options.allowHosts[${i}]`, 'a host name', h);
    return h.toLowerCase();
  });
}

/** The host of an absolute or protocol-relative URL (lowercase, no port or userinfo), or undefined for a relative one. */
export function hostOf(url: string): string | undefined {
  const fast = httpHostOf(url);
  if (fast !== undefined) return fast;
  const m = /^(?:[a-z][a-z0-9+.-]{0,31}:)?\/\/([^/?#\\]*)|^(www\.[^/?#\\:]*)/i.exec(url.trim());
  if (m === null) {
    const mail = /^mailto:[^@?]*@([^?&#]+)/i.exec(url);
    return mail?.[1]?.toLowerCase();
  }
  const authority = m[1] ?? m[2] ?? '';
  const host = authority.slice(authority.lastIndexOf('@') + 1).replace(/:\d*$/, '');
  return host.toLowerCase().replace(/\.$/, '');
}

/**
 * `hostOf` for the common shape, `http://` or `https://` (lowercase, no
 * leading white space) then an authority of ASCII without `\\`: the same
 * result without a regex; `undefined` when the URL is not of that shape.
 */
function httpHostOf(url: string): string | undefined {
  let p: number;
  if (url.startsWith('https://')) p = 8;
  else if (url.startsWith('http://')) p = 7;
  else return undefined;
  let end = p;
  let at = -1;
  for (; end < url.length; end++) {
    const c = url.charCodeAt(end);
    if (c === 0x2f || c === 0x3f || c === 0x23) break;
    // White space could be trimmed from the end, `\\` ends the regex's authority: leave both to it.
    if (c === 0x5c || c <= 0x20 || c >= 0x7f) return undefined;
    if (c === 0x40) at = end;
  }
  if (end === url.length && url.length > 0 && url.charCodeAt(url.length - 1) <= 0x20) return undefined;
  let hostEnd = end;
  let k = hostEnd;
  while (k > at + 1 && k > p && url.charCodeAt(k - 1) >= 0x30 && url.charCodeAt(k - 1) <= 0x39) k--;
  if (k > p && k > at + 1 && url.charCodeAt(k - 1) === 0x3a) hostEnd = k - 1;
  const host = url.slice(Math.max(p, at + 1), hostEnd).toLowerCase();
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

function isAllowed(host: string, allow: readonly string[]): boolean {
  for (const a of allow) {
    if (a.startsWith('*.')) {
      if (host.endsWith(a.slice(1))) return true;
    } else if (host === a) return true;
  }
  return false;
}
