import { createTokenizer, fit } from '@ctxpack/budget';
import { describe, expect, it } from 'vitest';

const tokenizer = createTokenizer('o200k_base');
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function boundaries(text: string): Set<number> {
  const set = new Set<number>([text.length]);
  for (const { index } of segmenter.segment(text)) set.add(index);
  return set;
}

const hostile: Record<string, string> = {
  'flags only (regional-indicator pairs, no anchors)': '🇯🇵🇫🇷🇩🇪'.repeat(1500),
  'odd regional indicator first (pair parity)': `x🇯${'🇯🇵'.repeat(2500)}`,
  'ZWJ families': '👨‍👩‍👧‍👦👩🏽‍💻'.repeat(800),
  'one cluster of 10,000 combining marks': `a${'\u0301'.repeat(10_000)} and then plain words follow here`,
  'Hangul jamo and syllables': '한국어 텍스트 한글 '.repeat(600),
  'Devanagari conjuncts': 'क्षत्रिय नमस्ते दुनिया '.repeat(600),
  'CRLF lines': 'line one\r\nline two\r\n'.repeat(800),
};

describe('cuts on hostile Unicode', () => {
  for (const [name, text] of Object.entries(hostile)) {
    it(`${name}: every cut is a grapheme boundary, no new U+FFFD, within allowance`, () => {
      const cuts = boundaries(text);
      for (const truncate of ['tail', 'head', 'middle'] as const) {
        for (const maxTokens of [20, 333, 1500]) {
          const { items, report } = fit([{ id: 'x', text, priority: 1, truncate }], { tokenizer, maxTokens });
          const [r] = items;
          expect(report.used).toBeLessThanOrEqual(maxTokens);
          if (r?.status !== 'truncated') continue;
          expect(tokenizer.count(r.text)).toBe(r.tokensAfter);
          expect(r.text.includes('\ufffd')).toBe(false);
          expect(r.text.isWellFormed()).toBe(true);
          for (const range of r.removed ?? []) {
            expect(cuts.has(range.start), `${truncate} ${maxTokens} start ${range.start}`).toBe(true);
            expect(cuts.has(range.end), `${truncate} ${maxTokens} end ${range.end}`).toBe(true);
          }
        }
      }
    });
  }
});
