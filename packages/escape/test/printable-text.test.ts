import fc from 'fast-check';
import { expect, it } from 'vitest';
import { printableText } from '../src/encoded-payloads.js';

// The straightforward definition the byte-level checks must agree with:
// decode as UTF-8 (fatal), ≥ 90% printable code points, three ASCII letters in a row.
const utf8 = new TextDecoder('utf-8', { fatal: true });
function reference(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  let printable = 0;
  for (const c of text) {
    const cp = c.codePointAt(0) as number;
    if (cp >= 0x20 || cp === 9 || cp === 10 || cp === 13) printable++;
  }
  return printable >= 0.9 * text.length && /[a-z]{3}/i.test(text) ? text : undefined;
}

it('printableText on decoded blob bytes agrees with decode-then-check', () => {
  const byte = fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0x20, max: 0x7e }),
    fc.constantFrom(0xc3, 0xa9, 0xe2, 0x80, 0x8b, 0xf0, 0x9f, 0x98, 0, 1, 9, 10, 0x7f),
  );
  fc.assert(
    fc.property(
      fc.array(byte, { maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      (arr, str) => {
        const encoded = new TextEncoder().encode(`abc${str}\u0001`);
        for (const bytes of [Uint8Array.from(arr), new TextEncoder().encode(str), encoded]) {
          let bin = '';
          for (const b of bytes) bin += String.fromCharCode(b);
          expect(printableText(bin)).toBe(reference(bytes));
        }
      },
    ),
    { numRuns: 5_000 },
  );
});
