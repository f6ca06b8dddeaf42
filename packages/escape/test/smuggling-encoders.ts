// Independent encoders for the smuggling schemes, used to build round-trip cases.

export function encodeTags(s: string): string {
  return [...s].map((c) => String.fromCodePoint(0xe0000 + c.codePointAt(0)!)).join('');
}

export function encodeVariationSelectors(s: string): string {
  return [...new TextEncoder().encode(s)]
    .map((b) => String.fromCodePoint(b < 16 ? 0xfe00 + b : 0xe0100 + b - 16))
    .join('');
}

/** garak `sneaky_bits_smuggling`: unpadded bin(ord(c)), U+200B for spaces. */
export function encodeSneakyBitsGarak(s: string): string {
  let out = '';
  for (const c of s) {
    if (c === ' ') out += '\u200B';
    else for (const bit of c.codePointAt(0)!.toString(2)) out += bit === '0' ? '\u2062' : '\u2064';
  }
  return out;
}

/** Rehberger's 8-bit form: each UTF-8 byte as 8 binary digits. */
export function encodeSneakyBits8(s: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(s)) {
    for (const bit of b.toString(2).padStart(8, '0')) out += bit === '0' ? '\u2062' : '\u2064';
  }
  return out;
}
