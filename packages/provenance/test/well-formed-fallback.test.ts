import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';

// canonicalizeJson uses String.prototype.isWellFormed where the runtime has it
// (ES2024) and a lookaround regex elsewhere; both must refuse exactly the same strings.
describe('lone-surrogate check without String.prototype.isWellFormed', () => {
  const proto = String.prototype as { isWellFormed?: unknown };
  const saved = proto.isWellFormed;
  afterAll(() => {
    proto.isWellFormed = saved;
  });

  it('the regex fallback agrees with the native check', async () => {
    const native = await import('@ctxpack/provenance');
    delete proto.isWellFormed;
    vi.resetModules();
    const fallback = await import('@ctxpack/provenance');
    proto.isWellFormed = saved;
    expect(fallback.canonicalizeJson).not.toBe(native.canonicalizeJson);
    const outcome = (f: (v: unknown) => string, s: string): string => {
      try {
        return f(s);
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    const surrogateHeavy = fc.string({
      unit: fc.constantFrom('a', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '😀'),
      maxLength: 12,
    });
    fc.assert(
      fc.property(fc.oneof(surrogateHeavy, fc.string({ unit: 'binary' })), (s) => {
        expect(outcome(fallback.canonicalizeJson, s)).toBe(outcome(native.canonicalizeJson, s));
      }),
      { numRuns: 500 },
    );
    expect(outcome(fallback.canonicalizeJson, 'a\uD800')).toBe('invalid_json_value');
    expect(outcome(fallback.canonicalizeJson, '\uD83D\uDE00')).toBe('"😀"');
  });
});
