import type { InvisibleHit } from './invisible-hit.js';
import { decodeSneakyBits, decodeTagCharacters, decodeVariationSelectors } from './smuggling-decoders.js';
import { isSneakyBit, isTag, isVariationSelector } from './unicode-data.js';

// The three invisible-text smuggling schemes seen in the wild, recognised as
// runs starting at `i`. Each returns the run as one high-severity hit with
// the decoded text, or undefined when the run is not smuggling.

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/** A run of tag characters (ASCII smuggling) outside an RGI flag. */
export function readTagRun(text: string, i: number, maxDecodedChars: number): InvisibleHit {
  const cps: number[] = [];
  let k = i;
  for (let c = text.codePointAt(k) ?? -1; isTag(c); c = text.codePointAt(k) ?? -1) {
    cps.push(c);
    k += 2;
  }
  return {
    kind: 'tag-characters',
    severity: 'high',
    start: i,
    end: k,
    message: `${cps.length} Unicode tag character(s) hiding text (ASCII smuggling)`,
    decoded: clip(decodeTagCharacters(cps), maxDecodedChars),
    strip: '',
  };
}

/** Two or more variation selectors in a row (byte smuggling); undefined for a single one. */
export function readVariationSelectorRun(
  text: string,
  i: number,
  maxDecodedChars: number,
): InvisibleHit | undefined {
  const cps: number[] = [];
  let k = i;
  for (let c = text.codePointAt(k) ?? -1; isVariationSelector(c); c = text.codePointAt(k) ?? -1) {
    cps.push(c);
    k += c > 0xffff ? 2 : 1;
  }
  if (cps.length < 2) return undefined;
  return {
    kind: 'variation-selector-smuggling',
    severity: 'high',
    start: i,
    end: k,
    message: `${cps.length} variation selectors in a row encoding bytes`,
    decoded: clip(decodeVariationSelectors(cps), maxDecodedChars),
    strip: '',
  };
}

/**
 * A run of U+2062/U+2064 (binary digits) and U+200B (space) starting at `i`:
 * a hit when it carries at least 6 bits, otherwise `end` is where the run
 * stops (every suffix of it has fewer bits, so the caller skips re-examining it).
 */
export function readSneakyBitsRun(
  text: string,
  i: number,
  maxDecodedChars: number,
): { hit?: InvisibleHit; end: number } {
  const cps: number[] = [];
  let bits = 0;
  let k = i;
  for (let c = text.charCodeAt(k); isSneakyBit(c) || c === 0x200b; c = text.charCodeAt(k)) {
    cps.push(c);
    if (c !== 0x200b) bits++;
    k++;
  }
  if (bits < 6) return { end: k };
  const hit: InvisibleHit = {
    kind: 'sneaky-bits',
    severity: 'high',
    start: i,
    end: k,
    message: `${bits} invisible operators U+2062/U+2064 used as binary digits (Sneaky Bits)`,
    decoded: clip(decodeSneakyBits(cps).trim(), maxDecodedChars),
    strip: '',
  };
  return { hit, end: k };
}
