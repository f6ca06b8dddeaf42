/**
 * `@ctxpack/escape/decoders`: the decoders of the three invisible-text
 * smuggling schemes, for tools that want the hidden text of a run they found
 * themselves. `sanitize` and `scan` already report it as `Finding.decoded`.
 *
 * @example
 * import { decodeTagCharacters } from '@ctxpack/escape/decoders';
 * decodeTagCharacters([0xe0068, 0xe0069]); // 'hi'
 */
export { decodeSneakyBits, decodeTagCharacters, decodeVariationSelectors } from './smuggling-decoders.js';
