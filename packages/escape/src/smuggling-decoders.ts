import { InvalidArgumentError } from '@ctxpack/block';

// Decoders for the three invisible-text smuggling schemes in the wild. Each
// takes the code points of one run and returns the hidden text. Code points
// that belong to no scheme are skipped; anything that is not a code point
// (a hole, a string, a nested array) is an InvalidArgumentError.

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Checks every element before decoding, so a hostile element is never coerced
 * (a nested array would be stringified recursively) and a sparse array with a
 * huge `length` fails at its first hole before anything is allocated.
 */
function checkCodePoints(cps: unknown): readonly number[] {
  if (!Array.isArray(cps)) {
    throw new InvalidArgumentError({ path: 'cps', expected: 'an array of code points', value: cps });
  }
  for (let i = 0; i < cps.length; i++) {
    const cp: unknown = cps[i];
    if (typeof cp !== 'number' || !Number.isInteger(cp) || cp < 0 || cp > 0x10ffff) {
      throw new InvalidArgumentError({
        path: `cps[${i}]`,
        expected: 'a code point (an integer from 0 to 0x10FFFF)',
        value: cp,
      });
    }
  }
  return cps as readonly number[];
}

/**
 * ASCII smuggling (Rehberger): tag U+E0020–E007E carries ASCII 0x20–0x7E.
 * U+E0001 (LANGUAGE TAG) and U+E007F (CANCEL TAG) carry no character.
 *
 * @example
 * decodeTagCharacters([0xe0068, 0xe0069]); // 'hi'
 */
export function decodeTagCharacters(cps: readonly number[]): string {
  let out = '';
  for (const cp of checkCodePoints(cps)) {
    const v = cp - 0xe0000;
    if (v >= 0x20 && v <= 0x7e) out += String.fromCharCode(v);
  }
  return out;
}

/**
 * Variation-selector smuggling (Paul Butler, 2025): byte b < 16 → U+FE00+b,
 * 16 ≤ b < 256 → U+E0100+(b−16). Bytes are decoded as UTF-8 (replacement
 * characters for invalid sequences).
 *
 * @example
 * decodeVariationSelectors([0xe0158, 0xe0159]); // 'hi' (0x68 and 0x69, each − 16 + U+E0100)
 */
export function decodeVariationSelectors(cps: readonly number[]): string {
  const points = checkCodePoints(cps);
  const bytes = new Uint8Array(points.length);
  let n = 0;
  for (const cp of points) {
    if (cp >= 0xfe00 && cp <= 0xfe0f) bytes[n++] = cp - 0xfe00;
    else if (cp >= 0xe0100 && cp <= 0xe01ef) bytes[n++] = cp - 0xe0100 + 16;
  }
  return utf8.decode(bytes.subarray(0, n));
}

/**
 * Sneaky Bits (Rehberger 2025; NVIDIA garak `smuggle_ascii.py`): U+2062 is 0,
 * U+2064 is 1, U+200B stands for a space. Each space-separated group is read
 * as 8-bit UTF-8 bytes when its length is a multiple of 8, otherwise as
 * garak's unpadded `bin(ord(c))` digits, split into 6- and 7-bit printable
 * ASCII codes (the leading digit of each is always 1).
 *
 * @example
 * const bits = [...'0110100001101001'].map((b) => (b === '0' ? 0x2062 : 0x2064));
 * decodeSneakyBits(bits); // 'hi'
 */
export function decodeSneakyBits(cps: readonly number[]): string {
  const words: string[] = [];
  let bits = '';
  const flush = (): void => {
    if (bits !== '') words.push(decodeBitGroup(bits));
    bits = '';
  };
  for (const cp of checkCodePoints(cps)) {
    if (cp === 0x2062) bits += '0';
    else if (cp === 0x2064) bits += '1';
    else {
      flush();
      words.push(' ');
    }
  }
  flush();
  return words.join('');
}

function decodeBitGroup(bits: string): string {
  if (bits.length % 8 === 0 && bits[0] === '0') {
    const bytes = new Uint8Array(bits.length / 8);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(bits.slice(i * 8, i * 8 + 8), 2);
    return utf8.decode(bytes);
  }
  // Unpadded 6/7-bit ASCII is ambiguous ("1011101100011" is ".c" or "]G"):
  // dynamic programming picks the split that maximizes a plausibility score
  // (letters > digits > common punctuation > other printable). Linear in length.
  const n = bits.length;
  const best = new Float64Array(n + 1).fill(-1);
  const step = new Int8Array(n + 1);
  best[n] = 0;
  for (let i = n - 1; i >= 0; i--) {
    if (bits[i] !== '1') continue;
    for (const len of [7, 6]) {
      if (i + len > n || best[i + len]! < 0) continue;
      const score = best[i + len]! + plausibility(Number.parseInt(bits.slice(i, i + len), 2));
      if (score > best[i]!) {
        best[i] = score;
        step[i] = len;
      }
    }
  }
  if (best[0]! < 0) return '\uFFFD';
  let out = '';
  for (let i = 0; i < n; ) {
    const len = step[i]!;
    out += String.fromCharCode(Number.parseInt(bits.slice(i, i + len), 2));
    i += len;
  }
  return out;
}

function plausibility(code: number): number {
  if ((code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a)) return 3;
  if (code >= 0x30 && code <= 0x39) return 1;
  if ('.,:;!?\'"-/@()'.includes(String.fromCharCode(code))) return 1.5;
  return 0.1;
}
