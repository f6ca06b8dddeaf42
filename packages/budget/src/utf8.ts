/**
 * UTF-8 helpers over "byte strings": JS strings whose code units are all
 * 0..255, one per byte. Rank tables are keyed by byte strings so that a rank
 * lookup is one `Map.get` with no allocation of a typed array per piece.
 */

/** True when every code unit of `text` is ASCII, i.e. the text is already its own byte string. */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

const CHUNK = 8192;

/**
 * The UTF-8 encoding of `text` as a byte string. A lone surrogate becomes
 * EF BF BD (U+FFFD), exactly as `TextEncoder` does, so counts match
 * js-tiktoken on ill-formed input too.
 */
export function toByteString(text: string): string {
  if (isAscii(text)) return text;
  const bytes: number[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        bytes.push(
          0xf0 | (cp >> 18),
          0x80 | ((cp >> 12) & 0x3f),
          0x80 | ((cp >> 6) & 0x3f),
          0x80 | (cp & 0x3f),
        );
        i++;
      } else bytes.push(0xef, 0xbf, 0xbd);
    } else if (c >= 0xd800 && c <= 0xdfff) bytes.push(0xef, 0xbf, 0xbd);
    else bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return fromBytes(bytes);
}

/** Byte array (or any list of 0..255) to a byte string, in chunks to stay under argument limits. */
export function fromBytes(bytes: readonly number[]): string {
  if (bytes.length <= CHUNK) return String.fromCharCode(...bytes);
  let out = '';
  for (let i = 0; i < bytes.length; i += CHUNK) out += String.fromCharCode(...bytes.slice(i, i + CHUNK));
  return out;
}

/** Number of UTF-8 bytes of the UTF-16 code unit at `i` (4 for a surrogate pair's high half, 0 for its low half). */
export function utf8Width(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = text.charCodeAt(i + 1);
    return d >= 0xdc00 && d <= 0xdfff ? 4 : 3;
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const p = text.charCodeAt(i - 1);
    return i > 0 && p >= 0xd800 && p <= 0xdbff ? 0 : 3;
  }
  return 3;
}

/** Byte string to bytes. */
export function toBytes(byteString: string): Uint8Array {
  const out = new Uint8Array(byteString.length);
  for (let i = 0; i < byteString.length; i++) out[i] = byteString.charCodeAt(i);
  return out;
}
