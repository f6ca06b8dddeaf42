import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { assertBytes } from './assert-argument.js';

/**
 * Lowercase hex of `bytes` (`Uint8Array.prototype.toHex` where the runtime has it).
 *
 * @example
 * encodeHex(new Uint8Array([0, 255])); // '00ff'
 */
export function encodeHex(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes');
  return bytesToHex(bytes);
}

/**
 * Hex of whole bytes, either case, to bytes; `undefined` when `text` is not
 * that (odd length, a non-hex character, not a string).
 *
 * @example
 * decodeHex('00ff'); // Uint8Array [0, 255]
 * decodeHex('0g'); // undefined
 */
export function decodeHex(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length % 2 !== 0) return undefined;
  try {
    return hexToBytes(text);
  } catch {
    return undefined;
  }
}
