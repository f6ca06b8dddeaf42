import { createCodePointTest } from './code-point-table.js';
import { RGI_EMOJI_STICKY, ZWJ } from './unicode-data.js';

// RGI emoji sequences (UTS #51): the context in which ZWJ, FE0F/FE0E, keycaps
// and tag characters are legitimate. An RGI sequence is judged from the first
// candidate inside it (ZWJ, FE0F, FE0E, tag), which the scan meets before any
// later one; that candidate lies at most one element (an emoji plus a skin
// tone: 4 code units) after the sequence start. 16 leaves room to spare.
const MAX_EMOJI_LOOKBACK = 16;
/** Longest stretch of emoji-sequence characters handed to the RGI regex (longest RGI sequence: 35 units). */
const MAX_EMOJI_SPAN = 40;

const isEmojiStart = createCodePointTest(/^[\p{Emoji}\p{Regional_Indicator}]$/u);

/** Whether an RGI emoji sequence can begin with `cp` (cheap pre-check before the RGI regex). */
function mayStartEmoji(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x30 && cp <= 0x39) || cp === 0x23 || cp === 0x2a;
  return isEmojiStart(cp);
}

/**
 * Code points that can continue an RGI emoji sequence after its first code
 * point (UTS #51 ED-15…ED-20: presentation selectors, ZWJ, keycap, skin-tone
 * modifiers, tags, the second regional indicator). If none follows a
 * candidate start, its RGI match is that one code point: no regex needed.
 */
function continuesEmoji(cp: number): boolean {
  return (
    cp === 0xfe0f ||
    cp === 0xfe0e ||
    cp === ZWJ ||
    cp === 0x20e3 ||
    (cp >= 0x1f3fb && cp <= 0x1f3ff) ||
    (cp >= 0xe0020 && cp <= 0xe007f) ||
    (cp >= 0x1f1e6 && cp <= 0x1f1ff)
  );
}

/** The code point at `j` when it starts one (not the low half of a pair), else -1. */
function codePointStartingAt(text: string, j: number): number {
  const c = text.charCodeAt(j);
  if (c >= 0xdc00 && c <= 0xdfff && j > 0) {
    const h = text.charCodeAt(j - 1);
    if (h >= 0xd800 && h <= 0xdbff) return -1;
  }
  return text.codePointAt(j)!;
}

/**
 * End of the RGI emoji sequence (UTS #51) that covers position `i`, or -1.
 * Candidate starts are tried left to right within a short window after
 * `floor`; `ends` caches each start's match for one scan (the windows of
 * nearby candidates overlap).
 */
export function emojiCoverEnd(text: string, i: number, floor: number, ends: Map<number, number>): number {
  for (let j = Math.max(floor, i - MAX_EMOJI_LOOKBACK); j < i; j++) {
    const start = codePointStartingAt(text, j);
    if (start < 0 || !mayStartEmoji(start)) continue;
    const after = j + (start > 0xffff ? 2 : 1);
    if (after <= i && !continuesEmoji(text.codePointAt(after) ?? -1)) continue;
    let end = ends.get(j);
    if (end === undefined) {
      const len = rgiLength(text, j);
      end = len > 0 ? j + len : -1;
      ends.set(j, end);
    }
    if (end > i) return end;
  }
  return -1;
}

const rgiCache = new Map<string, number>();

/**
 * Length of the RGI emoji sequence starting at `j` (0 if none). The regex runs
 * on the stretch of emoji-sequence characters from `j` only — a match cannot
 * extend past a character that no sequence contains — and the result is
 * cached by that stretch, since real text repeats its emoji.
 */
function rgiLength(text: string, j: number): number {
  let k = j;
  while (k < text.length && k - j < MAX_EMOJI_SPAN) {
    const cp = text.codePointAt(k)!;
    if (!mayStartEmoji(cp) && !continuesEmoji(cp)) break;
    k += cp > 0xffff ? 2 : 1;
  }
  const key = text.slice(j, k);
  let len = rgiCache.get(key);
  if (len === undefined) {
    RGI_EMOJI_STICKY.lastIndex = 0;
    len = RGI_EMOJI_STICKY.test(key) ? RGI_EMOJI_STICKY.lastIndex : 0;
    if (rgiCache.size >= 4096) rgiCache.clear();
    rgiCache.set(key, len);
  }
  return len;
}
