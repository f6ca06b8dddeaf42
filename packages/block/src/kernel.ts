/**
 * `@ctxpack/block/kernel`: the helpers every ctxpack package shares, so that
 * each exists once — argument checks that throw {@link InvalidArgumentError},
 * the value describer their messages use, error markers for `isInstance`,
 * the digest spelling, the well-formedness check, hex/base64 codecs, a
 * request-body reader bounded in bytes, and a line/column index.
 *
 * @example
 * import { assertRecord, decodeBase64, isDigest } from '@ctxpack/block/kernel';
 */
export {
  assertArray,
  assertBytes,
  assertInteger,
  assertOneOf,
  assertRecord,
  assertString,
  assertWellFormed,
  isRecord,
  readOptions,
} from './assert-argument.js';
export {
  decodeBase64,
  decodeBase64Loose,
  decodeBase64Url,
  encodeBase64,
  encodeBase64Url,
} from './base64.js';
export { hasMarker, setMarker } from './ctxpack-error.js';
export { describeValue } from './describe-value.js';
export { DIGEST_PATTERN, formatDigest, isDigest } from './digest.js';
export { formatPath } from './format-path.js';
export { decodeHex, encodeHex } from './hex.js';
export { createLineIndex } from './line-index.js';
export { readBoundedBody } from './read-bounded-body.js';
export { utf8Length } from './utf8-length.js';
export { isWellFormed } from './well-formed.js';
