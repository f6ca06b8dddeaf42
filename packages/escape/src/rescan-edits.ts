import type { Analysis, RangeHit } from './analyze-text.js';
import { cleanView, tokenHits } from './analyze-text.js';
import { classOf } from './finding.js';
import { foldText } from './fold.js';
import { createNeedleFinder } from './injection-rules.js';
import type { InvisibleHit } from './invisible-scan.js';
import { scanInvisible } from './invisible-scan.js';
import type { OffsetMap } from './offset-map.js';
import type { Policy } from './policy.js';
import { detectSecrets, SECRET_NEEDLES } from './secrets.js';
import type { TokenMatcher } from './special-tokens.js';

/**
 * What a replacement can change lies within this many code units of it: a
 * token folds to at most 128 characters (so a new one overlaps the edit and
 * starts or ends within 128 units of it, less than 256 code units even with
 * surrogate pairs), and an invisible character's verdict looks at most 40
 * units back (RGI emoji) and 16 code points either way (RTL context).
 */
const RESCAN_MARGIN = 256;
/** Every suspicious code point is outside TAB/LF/CR + printable ASCII. */
const BEYOND_ASCII_TEXT = /[^\t\n\r\x20-\x7e]/;
const findSecretNeedles = createNeedleFinder(SECRET_NEEDLES);

/** Which editing detectors the re-scan runs. */
export interface RescanDetectors {
  tokens: boolean;
  secrets: boolean;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Merged windows of `RESCAN_MARGIN` around the edited output ranges, not splitting surrogate pairs. */
function editWindows(out: string, map: OffsetMap): [number, number][] {
  const windows: [number, number][] = [];
  for (const [s, e] of map.editedRanges()) {
    let ws = Math.max(0, s - RESCAN_MARGIN);
    let we = Math.min(out.length, e + RESCAN_MARGIN);
    if (ws > 0 && isLowSurrogate(out.charCodeAt(ws)) && isHighSurrogate(out.charCodeAt(ws - 1))) ws--;
    if (we < out.length && isLowSurrogate(out.charCodeAt(we)) && isHighSurrogate(out.charCodeAt(we - 1)))
      we++;
    const last = windows[windows.length - 1];
    if (last !== undefined && ws <= last[1]) last[1] = Math.max(last[1], we);
    else windows.push([ws, we]);
  }
  return windows;
}

/** The invisible hits lying inside `[ws, we)`, shifted to window coordinates; `from` is a cursor into `hits`. */
function hitsInWindow(hits: readonly InvisibleHit[], from: number, ws: number, we: number): InvisibleHit[] {
  const local: InvisibleHit[] = [];
  for (let j = from; j < hits.length && hits[j]!.start < we; j++) {
    const hit = hits[j]!;
    if (hit.start >= ws && hit.end <= we) local.push({ ...hit, start: hit.start - ws, end: hit.end - ws });
  }
  return local;
}

/** Whether a turn marker found at `at` in a window of `out` starting at `ws` is at a real line start. */
function atLineStart(out: string, ws: number, part: string, at: number): boolean {
  // `^` matches at a window start that is not a line start.
  return ws === 0 || out[ws - 1] === '\n' || out[ws - 1] === '\r' || part.lastIndexOf('\n', at) >= 0;
}

/** Tokens (and, when asked, secrets) of one window, in output coordinates. */
function windowRanges(
  out: string,
  ws: number,
  we: number,
  local: readonly InvisibleHit[],
  matcher: TokenMatcher,
  detect: RescanDetectors,
): RangeHit[] {
  const ranges: RangeHit[] = [];
  const part = out.slice(ws, we);
  const clean = cleanView(part, local);
  const folded = foldText(clean.text);
  const toOut = (cs: number, ce: number): [number, number] => [
    ws + clean.map.toSourceStart(cs),
    ws + clean.map.toSourceEnd(ce),
  ];
  if (detect.secrets) {
    for (const hit of detectSecrets(clean.text, findSecretNeedles(folded.text))) {
      const [start, end] = toOut(hit.finding.start, hit.finding.end);
      ranges.push({
        finding: { ...hit.finding, start, end },
        replacement: hit.replacement,
        view: clean.text,
        viewStart: hit.finding.start,
        viewEnd: hit.finding.end,
      });
    }
  }
  for (const t of detect.tokens ? tokenHits(clean.text, folded, matcher, toOut) : []) {
    if (t.finding.kind === 'role-marker' && !atLineStart(out, ws, part, t.finding.start - ws)) continue;
    ranges.push(t);
  }
  return ranges;
}

/**
 * Re-runs the editing detectors that an edit can re-trigger — invisible
 * characters (a replacement can take away the context that licensed a mark)
 * and special tokens / turn markers (a removal can join fragments) — on the
 * output of a pass. When every invisible class is stripped, only windows
 * around the edits can change; otherwise (invisible characters left in place
 * may stretch a token) the whole text is scanned, secrets included: a
 * character made visible (`⟦U+2069⟧`) rather than removed can end a word where
 * the first pass saw none. When everything is stripped, secrets need no
 * re-scan: the output is the clean view the first pass matched, redaction
 * markers are masked from secret matching and capped matches extend to the end
 * of their run, so no edit can create one (see secrets.ts).
 */
export function rescan(
  out: string,
  map: OffsetMap,
  policy: Readonly<Policy>,
  matcher: TokenMatcher,
  detect: RescanDetectors,
  whole: boolean,
): Analysis {
  const a = policy.actions;
  const windowed =
    !whole &&
    !matcher.alwaysScan &&
    [a.smuggling, a.bidi, a.invisible, a.control, a.privateUse, a.unassigned].every((x) => x === 'strip');
  const windows = windowed ? editWindows(out, map) : [[0, out.length] as [number, number]];
  const beyondAscii = windows.filter(([ws, we]) => BEYOND_ASCII_TEXT.test(out.slice(ws, we)));
  const invisible =
    beyondAscii.length === 0
      ? []
      : scanInvisible(out, {
          allowBalancedIsolates: policy.allowBalancedIsolates,
          maxDecodedChars: 0,
          windows: beyondAscii,
        });
  const ranges: RangeHit[] = [];
  const which: RescanDetectors = { tokens: detect.tokens, secrets: detect.secrets && !windowed };
  let h = 0;
  for (const [ws, we] of which.tokens || which.secrets ? windows : []) {
    while (h < invisible.length && invisible[h]!.end <= ws) h++;
    for (const r of windowRanges(out, ws, we, hitsInWindow(invisible, h, ws, we), matcher, which))
      ranges.push(r);
  }
  const editing = invisible.filter((x) => {
    const action = a[classOf(x.kind)];
    return action === 'strip' || action === 'visible';
  });
  return { invisible: editing, ranges, reports: [] };
}
