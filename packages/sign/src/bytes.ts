import { toHex } from '@ctxpack/provenance';
import { assertBytes } from './assert-input.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function buildTable(alphabet: string): Int16Array {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}
const B64_TABLE = buildTable(B64);
const B64URL_TABLE = buildTable(B64URL);

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      alphabet.charAt(n >> 18) +
      alphabet.charAt((n >> 12) & 63) +
      alphabet.charAt((n >> 6) & 63) +
      alphabet.charAt(n & 63);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += alphabet.charAt(n >> 18) + alphabet.charAt((n >> 12) & 63) + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out +=
      alphabet.charAt(n >> 18) +
      alphabet.charAt((n >> 12) & 63) +
      alphabet.charAt((n >> 6) & 63) +
      (pad ? '=' : '');
  }
  return out;
}

/**
 * Strict decoder: only the given alphabet, exact padding rules, and zero
 * unused trailing bits — so every byte string has exactly one accepted
 * spelling, and no edit to an encoded field can decode to the same bytes.
 */
function decode(text: string, table: Int16Array, padded: boolean): Uint8Array | undefined {
  let len = text.length;
  if (padded) {
    if (len % 4 !== 0) return undefined;
    if (len > 0 && text.charCodeAt(len - 1) === 61) len--;
    if (len > 0 && text.charCodeAt(len - 1) === 61) len--;
  }
  if (len % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? (table[c] as number) : -1;
    if (v < 0) return undefined;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/** Standard base64 with padding (RFC 4648 §4), as DSSE uses. */
export function encodeBase64(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes');
  return encode(bytes, B64, true);
}

/** Strict standard base64; `undefined` when `text` is not the one canonical spelling of some bytes. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  return decode(text, B64_TABLE, true);
}

/** base64url without padding (RFC 4648 §5), as JWK and key ids use. */
export function encodeBase64Url(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes');
  return encode(bytes, B64URL, false);
}

/** Strict unpadded base64url; `undefined` when not canonical. */
export function decodeBase64Url(text: string): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  return decode(text, B64URL_TABLE, false);
}

const hexPattern = /^(?:[0-9a-fA-F]{2})*$/;

/** Hex (either case) → bytes; `undefined` when not hex of whole bytes. */
export function decodeHex(text: string): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  if (!hexPattern.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export { toHex as encodeHex };

/** Constant-structure equality of two byte arrays. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
