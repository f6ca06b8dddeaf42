import { InvalidArgumentError } from '@ctxpack/block';
import { canonicalizeJson, digestContent, digestRequest, writeCanonicalJson } from '@ctxpack/provenance';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('streamed canonical JSON', () => {
  it('chunks concatenate to canonicalizeJson, and digestRequest hashes exactly that', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const chunks: string[] = [];
        writeCanonicalJson(value, (c) => chunks.push(c));
        const canonical = canonicalizeJson(value);
        expect(chunks.join('')).toBe(canonical);
        expect(digestRequest(value)).toBe(digestContent(canonical));
      }),
      { numRuns: 300 },
    );
  });

  it('batches across the 64 Ki boundary without changing the digest', () => {
    const big = {
      messages: Array.from({ length: 40 }, (_, i) => ({
        role: 'user',
        content: `é🌧${'x'.repeat(5000 + i)}`,
      })),
    };
    expect(digestRequest(big)).toBe(digestContent(canonicalizeJson(big)));
    const huge = { a: 'y'.repeat(200_000), b: ['z'.repeat(70_000), 1, null] };
    expect(digestRequest(huge)).toBe(digestContent(canonicalizeJson(huge)));
  });

  it('refuses a sink that is not a function with a typed error, before emitting', () => {
    for (const sink of [undefined, null, 'emit', {}, [], 1, Symbol('s')]) {
      let caught: unknown;
      try {
        writeCanonicalJson({ a: 1 }, sink as never);
      } catch (error) {
        caught = error;
      }
      expect(InvalidArgumentError.isInstance(caught)).toBe(true);
      expect(caught).toMatchObject({ code: 'invalid_argument', path: 'emit' });
    }
  });
});
