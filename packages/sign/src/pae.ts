import { assertBytes, assertString } from '@ctxpack/block/kernel';
import { concatBytes } from '@noble/hashes/utils.js';

const encoder = new TextEncoder();

/**
 * DSSE v1 pre-authentication encoding:
 * `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths as ASCII
 * decimal counts of **bytes** (UTF-8 for the type), per
 * secure-systems-lab/dsse protocol.md. The signature covers these bytes, so the
 * payload type cannot be swapped.
 *
 * @example
 * new TextDecoder().decode(encodePae('http://example.com/HelloWorld', new TextEncoder().encode('hello world')));
 * // 'DSSEv1 29 http://example.com/HelloWorld 11 hello world'
 */
export function encodePae(payloadType: string, payload: Uint8Array): Uint8Array {
  assertString(payloadType, 'payloadType', 1024);
  assertBytes(payload, 'payload');
  const type = encoder.encode(payloadType);
  return concatBytes(
    encoder.encode(`DSSEv1 ${type.length} `),
    type,
    encoder.encode(` ${payload.length} `),
    payload,
  );
}
