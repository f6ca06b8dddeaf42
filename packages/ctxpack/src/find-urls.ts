/** Where a URL sits, which decides what a client does with it. */
export type UrlContext =
  /** Fetched without a click: markdown images, reference definitions, `src`/`srcset`/`poster`… attributes. */
  | 'image'
  /** Followed on a click: markdown links, autolinks, `href`. */
  | 'link'
  /** A URL in running text (many clients linkify it). */
  | 'bare'
  /** Inside a code span or fenced code block: shown, never fetched or linked. */
  | 'code';

/** One URL found in a piece of model output; offsets are of the URL text. */
export interface FoundUrl {
  url: string;
  start: number;
  end: number;
  context: UrlContext;
  /** The construct: `markdown-image`, `reference-definition`, `html-src`, `html-srcset`, `autolink`, … */
  rule: string;
}

/** Fenced-code state carried from one line (segment) to the next. */
export interface UrlScanState {
  /** The open fence (``` or ~~~ run), if inside a fenced code block. */
  fence: string | undefined;
}

/** Longest URL read; a longer run is cut here and read on as a second URL. */
export const MAX_URL_CHARS = 16_384;
const MAX_BRACKET_DEPTH = 64;
const IMAGE_ATTRIBUTES = new Set(['src', 'srcset', 'poster', 'data', 'background', 'lowsrc', 'dynsrc']);
const LINK_ATTRIBUTES = new Set(['href', 'action', 'formaction', 'cite', 'xlink:href']);
const BARE_START = /(?:https?|ftps?|wss?):\/\/|www\./iy;
const AUTOLINK = /<([a-z][a-z0-9+.-]{1,31}:[^\s<>]{1,16384})>/iy;
const TAG_OPEN = /<([a-z][a-z0-9-]{0,15})(?=[\s/>])/iy;
const ATTRIBUTE =
  /\s+([a-z][a-z0-9:_-]{0,31})(?:\s*=\s*(?:"([^"<>]{0,16384})"|'([^'<>]{0,16384})'|([^\s"'<>`=]{1,16384})))?/iy;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
const isAlnum = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const TRAILING = new Set([...'.,;:!?*_~\'"]>']);

/**
 * The URLs of one line of model output (a segment of at most a bounded
 * length): markdown inline and reference-style images and links, autolinks,
 * HTML attributes that fetch (`src`, `srcset`, `poster`, …) or link (`href`),
 * and bare URLs. A destination `](url)` whose `[` opener is not on the line
 * counts as an image: the safe reading. Each construct is read forward once
 * and scanning resumes after it, so the work is linear in the line.
 */
export function findUrls(line: string, state: UrlScanState): FoundUrl[] {
  const out: FoundUrl[] = [];
  const fenceMatch = FENCE.exec(line);
  if (fenceMatch !== null) {
    const run = fenceMatch[1] as string;
    if (state.fence === undefined) state.fence = run;
    else if (run[0] === state.fence[0] && run.length >= state.fence.length) state.fence = undefined;
    return out;
  }
  if (state.fence !== undefined) {
    scanBare(line, 0, line.length, 'code', out, mayHaveBare(line));
    return out;
  }
  const spans = codeSpans(line);
  // Every bare URL starts with `scheme://` or `www.`: a line with neither has none to look for.
  const bare = mayHaveBare(line);
  let span = 0;
  const brackets: number[] = [];
  for (let i = 0; i < line.length; ) {
    const next = spans[span];
    if (next !== undefined && i >= next[0]) {
      scanBare(line, next[0], next[1], 'code', out, bare);
      i = next[1];
      span++;
      continue;
    }
    const limit = next === undefined ? line.length : next[0];
    const c = line.charCodeAt(i);
    if (c === 0x5b /* [ */) {
      if (brackets.length < MAX_BRACKET_DEPTH) brackets.push(i);
      i++;
      continue;
    }
    if (c === 0x5d /* ] */) {
      const opener = brackets.pop();
      const after = line.charCodeAt(i + 1);
      if (after === 0x28 /* ( */) {
        const image = opener === undefined || line.charCodeAt(opener - 1) === 0x21; /* ! */
        i = readDestination(
          line,
          i + 2,
          limit,
          image ? 'image' : 'link',
          image ? 'markdown-image' : 'markdown-link',
          out,
        );
        continue;
      }
      if (after === 0x3a /* : */ && opener !== undefined && /^ {0,3}$/.test(line.slice(0, opener))) {
        // A reference definition: the EchoLeak shape. Any image may use it, so it counts as one.
        i = readDestination(line, i + 2, limit, 'image', 'reference-definition', out);
        continue;
      }
      i++;
      continue;
    }
    if (c === 0x3c /* < */) {
      i = readAngle(line, i, limit, out);
      continue;
    }
    if (bare && (i === 0 || !isAlnum(line.charCodeAt(i - 1))) && startsBare(line, i)) {
      i = readBare(line, i, limit, 'bare', 'bare-url', out);
      continue;
    }
    i++;
  }
  return out;
}

/** Inline code spans `[start, end)` of a line: a backtick run closed by the next run of the same length. */
function codeSpans(line: string): [number, number][] {
  if (!line.includes('`')) return [];
  const runs: [number, number][] = [];
  for (let i = line.indexOf('`'); i !== -1; ) {
    let j = i;
    while (line.charCodeAt(j) === 0x60) j++;
    runs.push([i, j - i]);
    i = line.indexOf('`', j);
  }
  // Pair each run with the next of the same length (computed from the end: linear).
  const nextSame = new Array<number>(runs.length).fill(-1);
  const last = new Map<number, number>();
  for (let k = runs.length - 1; k >= 0; k--) {
    const len = (runs[k] as [number, number])[1];
    nextSame[k] = last.get(len) ?? -1;
    last.set(len, k);
  }
  const spans: [number, number][] = [];
  for (let k = 0; k < runs.length; k++) {
    const close = nextSame[k] as number;
    if (close === -1) continue;
    const [start] = runs[k] as [number, number];
    const [closeStart, len] = runs[close] as [number, number];
    spans.push([start, closeStart + len]);
    k = close;
  }
  return spans;
}

function startsBare(line: string, i: number): boolean {
  const c = line.charCodeAt(i) | 0x20;
  const d = line.charCodeAt(i + 1) | 0x20;
  // http(s), ftp(s): `t` next; ws(s), www.: `s` or `w` next. Most words stop here, before the regex.
  if (c === 0x68 || c === 0x66) {
    if (d !== 0x74) return false;
  } else if (c !== 0x77 || (d !== 0x73 && d !== 0x77)) return false;
  BARE_START.lastIndex = i;
  return BARE_START.test(line);
}

const WWW = /www\./i;

function mayHaveBare(line: string): boolean {
  return line.includes('://') || WWW.test(line);
}

/** Bare URLs in `[from, to)` (code, or text between constructs). */
function scanBare(
  line: string,
  from: number,
  to: number,
  context: UrlContext,
  out: FoundUrl[],
  bare: boolean,
): void {
  if (!bare) return;
  for (let i = from; i < to; ) {
    if ((i === from || !isAlnum(line.charCodeAt(i - 1))) && startsBare(line, i)) {
      i = readBare(line, i, to, context, context === 'code' ? 'code-url' : 'bare-url', out);
    } else i++;
  }
}

function push(
  out: FoundUrl[],
  line: string,
  start: number,
  end: number,
  context: UrlContext,
  rule: string,
): void {
  if (end > start) out.push({ url: line.slice(start, end), start, end, context, rule });
}

/** A bare URL from `i`: up to white space or markup, trailing punctuation and unbalanced `)` left out. */
function readBare(
  line: string,
  i: number,
  to: number,
  context: UrlContext,
  rule: string,
  out: FoundUrl[],
): number {
  let end = i;
  const max = Math.min(to, i + MAX_URL_CHARS);
  while (end < max) {
    const c = line.charCodeAt(end);
    if (isSpace(c) || c === 0x3c || c === 0x3e || c === 0x22 || c === 0x60 || c < 0x20) break;
    end++;
  }
  const stop = end;
  let open = 0;
  for (let k = i; k < end; k++) {
    const c = line.charCodeAt(k);
    if (c === 0x28) open++;
    else if (c === 0x29) open--;
  }
  while (end > i) {
    const ch = line[end - 1] as string;
    if (ch === ')' && open < 0) {
      open++;
      end--;
    } else if (TRAILING.has(ch)) end--;
    else break;
  }
  push(out, line, i, end, context, rule);
  return Math.max(stop, i + 1);
}

/** A markdown destination after `](` or `]:`: `<…>` or a run with balanced parentheses. */
function readDestination(
  line: string,
  i: number,
  to: number,
  context: UrlContext,
  rule: string,
  out: FoundUrl[],
): number {
  let p = i;
  while (p < to && (line.charCodeAt(p) === 0x20 || line.charCodeAt(p) === 0x09)) p++;
  if (line.charCodeAt(p) === 0x3c) {
    // Read to the `>`, a line end or markup: the next construct starts where this one stopped.
    const max = Math.min(to, p + 1 + MAX_URL_CHARS);
    let end = p + 1;
    while (end < max && line.charCodeAt(end) !== 0x3e && line.charCodeAt(end) !== 0x3c) end++;
    push(out, line, p + 1, end, context, rule);
    return Math.max(end, p + 1);
  }
  let end = p;
  let depth = 0;
  const max = Math.min(to, p + MAX_URL_CHARS);
  while (end < max) {
    const c = line.charCodeAt(end);
    if (isSpace(c) || c < 0x20) break;
    if (c === 0x28) depth++;
    else if (c === 0x29) {
      if (depth === 0) break;
      depth--;
    }
    end++;
  }
  push(out, line, p, end, context, rule);
  return Math.max(end, i);
}

/** An autolink `<scheme:…>` or an HTML tag's URL attributes; resumes after the construct. */
function readAngle(line: string, i: number, to: number, out: FoundUrl[]): number {
  AUTOLINK.lastIndex = i;
  const auto = AUTOLINK.exec(line);
  if (auto !== null && auto.index + auto[0].length <= to) {
    push(out, line, i + 1, i + 1 + (auto[1] as string).length, 'link', 'autolink');
    return i + auto[0].length;
  }
  TAG_OPEN.lastIndex = i;
  const tag = TAG_OPEN.exec(line);
  if (tag === null) return i + 1;
  let p = i + tag[0].length;
  while (p < to) {
    ATTRIBUTE.lastIndex = p;
    const a = ATTRIBUTE.exec(line);
    if (a === null || a.index + a[0].length > to) break;
    const name = (a[1] as string).toLowerCase();
    const value = a[2] ?? a[3] ?? a[4];
    if (value !== undefined) {
      const valueStart = a.index + a[0].length - value.length - (a[4] === undefined ? 1 : 0);
      if (name === 'srcset') readSrcset(line, valueStart, valueStart + value.length, out);
      else if (IMAGE_ATTRIBUTES.has(name))
        push(out, line, valueStart, valueStart + value.length, 'image', 'html-src');
      else if (LINK_ATTRIBUTES.has(name))
        push(out, line, valueStart, valueStart + value.length, 'link', 'html-href');
    }
    p = a.index + a[0].length;
  }
  return Math.max(p, i + 1);
}

/** `srcset="a.png 1x, b.png 2x"`: the first token of each comma-separated candidate. */
function readSrcset(line: string, from: number, to: number, out: FoundUrl[]): void {
  let p = from;
  while (p < to) {
    while (p < to && (isSpace(line.charCodeAt(p)) || line.charCodeAt(p) === 0x2c)) p++;
    let end = p;
    while (end < to && !isSpace(line.charCodeAt(end))) end++;
    let urlEnd = end;
    while (urlEnd > p && line.charCodeAt(urlEnd - 1) === 0x2c) urlEnd--;
    push(out, line, p, urlEnd, 'image', 'html-srcset');
    p = end;
    while (p < to && line.charCodeAt(p) !== 0x2c) p++;
  }
}
