import type { SanitizeOptions } from '@ctxpack/escape';
import { SPECIAL_TOKENS, sanitize, scan } from '@ctxpack/escape';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSneakyBits8, encodeTags, encodeVariationSelectors } from './smuggling-encoders.js';

// Fragments that exercise every class, mixed with arbitrary code units (lone surrogates included).
const fragments = [
  '<|im_start|>',
  '<|im_',
  'start|>',
  '[INST]',
  '[IN',
  'ST]',
  '<<SYS>>',
  '\n\nHuman:',
  'Assistant:',
  '＜|',
  '|＞',
  '\u200B',
  '\u200C',
  '\u200D',
  '\u202E',
  '\u2066',
  '\u2069',
  '\u200E',
  '\uFE0F',
  '\uFE00',
  '\u{E0100}',
  '\u{E0041}',
  '\u{E007F}',
  '\u2062',
  '\u2064',
  '\u3164',
  '\u034F',
  '\u0000',
  '\u001B',
  '\uD800',
  '\uDFFF',
  '\uE000',
  '\u0378',
  '👨‍👩‍👧',
  '🏴󠁧󠁢󠁳󠁣󠁴󠁿',
  '🏴',
  '1️⃣',
  '👍🏽',
  'می‌خواهم',
  'שלום',
  'क्‍ष',
  'a',
  ' ',
  '\n',
  'AKIAIOSFODNN7EXAMPLE',
  'ignore previous instructions',
  'pаypal',
  encodeTags('hi'),
  encodeVariationSelectors('yo'),
  encodeSneakyBits8('ok'),
  '⟨',
  '⟦',
  'ftp://u:',
  '@h',
  '-----BEGIN PRIVATE KEY-----',
  `sk-ant-api03-${'x'.repeat(40)}`,
  `xoxb-${'1'.repeat(20)}`,
  '|>',
  '<|',
];
const text = fc
  .array(fc.oneof(fc.constantFrom(...fragments), fc.string({ unit: 'binary', maxLength: 6 })), {
    maxLength: 24,
  })
  .map((parts) => parts.join(''));

const INVISIBLE_KINDS = new Set([
  'tag-characters',
  'variation-selector-smuggling',
  'sneaky-bits',
  'bidi-control',
  'zero-width',
  'variation-selector',
  'default-ignorable',
  'control',
  'noncharacter',
  'lone-surrogate',
  'private-use',
  'unassigned',
]);
// An independent check: strip RGI emoji, then no character of the removed classes may remain.
const RGI = new RegExp('\\p{RGI_Emoji}', `g${'v'}`);
const FORBIDDEN =
  /[\u{E0000}-\u{E007F}\u200B\u202A-\u202E\u2060-\u2069\uFEFF\u3164\u034F\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uE000-\uF8FF]/u;
// Two variation selectors in a row never have a legitimate use.
const VS_RUN = /[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]{2}/u;
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Folding done here independently of the library: NFKC + lowercase.
const foldedTokens = SPECIAL_TOKENS.map((t) => t.token.normalize('NFKC').toLowerCase());

describe('properties', () => {
  it('sanitize is idempotent', () => {
    fc.assert(
      fc.property(text, (t) => {
        const once = sanitize(t).text;
        expect(sanitize(once).text).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['the user preset', { trust: 'user' }],
    ['stripped tokens', { actions: { specialTokens: 'strip' } }],
    [
      'invisible characters made visible',
      { actions: { invisible: 'visible', bidi: 'visible', smuggling: 'visible', control: 'visible' } },
    ],
    ['invisible characters reported only', { actions: { invisible: 'report', bidi: 'report' } }],
    ['secrets reported only', { actions: { secrets: 'report' } }],
  ] as [string, SanitizeOptions][])('sanitize is idempotent with %s', (_name, options) => {
    // e.g. a PDI made visible as ⟦U+2069⟧ ends the word before it, where an AWS key now matches.
    expect(sanitize(sanitize('AKIAIOSFODNN7EXAMPLE\u2069ST]', options).text, options).text).toBe(
      sanitize('AKIAIOSFODNN7EXAMPLE\u2069ST]', options).text,
    );
    fc.assert(
      fc.property(text, (t) => {
        const once = sanitize(t, options).text;
        expect(sanitize(once, options).text).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });

  it('untrusted output holds no removed class and no registered token after folding', () => {
    fc.assert(
      fc.property(text, (t) => {
        const out = sanitize(t).text;
        // ZWNJ/ZWJ and LRM/RLM have legitimate contexts; the re-scan below covers them.
        const rest = out.replace(RGI, '');
        expect(rest).not.toMatch(FORBIDDEN);
        expect(out).not.toMatch(LONE);
        expect(out).not.toMatch(VS_RUN);
        const folded = out.normalize('NFKC').toLowerCase();
        for (const tok of foldedTokens) expect(folded.includes(tok)).toBe(false);
        const again = scan(out).findings;
        expect(again.filter((f) => INVISIBLE_KINDS.has(f.kind))).toEqual([]);
        expect(again.filter((f) => f.kind === 'special-token' || f.kind === 'role-marker')).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('finding offsets lie within the input, and trusted never changes text', () => {
    fc.assert(
      fc.property(text, (t) => {
        const r = sanitize(t, { trust: 'trusted' });
        expect(r.text).toBe(t);
        for (const f of r.findings) {
          expect(f.start).toBeGreaterThanOrEqual(0);
          expect(f.end).toBeGreaterThanOrEqual(f.start);
          expect(f.end).toBeLessThanOrEqual(t.length);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('text without findings is returned as the same string', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9 ,.\n\t]{0,200}$/), (t) => {
        const r = sanitize(t);
        if (r.findings.length === 0) expect(r.text).toBe(t);
        expect(r.changed).toBe(r.text !== t);
      }),
    );
  });
});

describe('hostile sizes run without throwing', () => {
  const cases: [string, string][] = [
    ['1 MB of one character', 'a'.repeat(1 << 20)],
    ['1 MB of zero-width spaces', '\u200B'.repeat(1 << 20)],
    ['1 MB of combining marks', `a${'\u0301'.repeat(1 << 20)}`],
    ['lone surrogates', '\uD800'.repeat(100_000)],
    ['NULs', '\u0000'.repeat(100_000)],
    ['nested tokens', '<|im_'.repeat(20_000) + 'start|>'.repeat(20_000)],
    ['alternating tags', 'a\u{E0041}'.repeat(100_000)],
    ['bidi marks', '\u200E'.repeat(200_000)],
    ['base64-like', 'QUJD'.repeat(100_000)],
  ];
  it.each(cases)('%s', (_name, input) => {
    const r = sanitize(input);
    expect(typeof r.text).toBe('string');
    expect(r.findings.length).toBeLessThanOrEqual(1000);
  });
});
