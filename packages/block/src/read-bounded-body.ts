import { assertInteger } from './assert-argument.js';
import { InvalidArgumentError } from './invalid-argument-error.js';

/**
 * The bytes of a request's body, or `undefined` when it is over `limit`
 * bytes — by its `content-length`, or as it streams in (the stream is then
 * cancelled, so a hostile sender cannot make the reader buffer more than
 * `limit`). A body that arrives in one chunk is returned without a copy.
 *
 * @example
 * const body = await readBoundedBody(request, 1 << 20);
 * if (body === undefined) return new Response('too large', { status: 413 });
 */
export async function readBoundedBody(request: Request, limit: number): Promise<Uint8Array | undefined> {
  // Duck-typed, not `instanceof Request`: a polyfill's or another realm's Request reads the same way.
  const r = request as { headers?: { get?: unknown }; body?: unknown } | null;
  if (typeof r !== 'object' || r === null || typeof r.headers?.get !== 'function' || !('body' in r)) {
    throw new InvalidArgumentError({ path: 'request', expected: 'a fetch API Request', value: request });
  }
  assertInteger(limit, 'limit');
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) return undefined;
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
