import { createRequire } from 'node:module';
import { sanitize } from '@ctxpack/escape';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
interface EmojiEntry {
  emoji: string;
  label: string;
  skins?: { emoji: string; label: string }[];
}
const data = require('emojibase-data/en/data.json') as EmojiEntry[];
const emoji: string[] = [];
for (const e of data) {
  emoji.push(e.emoji);
  for (const s of e.skins ?? []) emoji.push(s.emoji);
}

describe('benign corpus survives byte-identical', () => {
  it('has the full emojibase set (incl. skin tones and subdivision flags)', () => {
    expect(emoji.length).toBeGreaterThan(3500);
    expect(emoji.filter((e) => e.includes('\u{E007F}'))).toHaveLength(3);
  });

  it('every fully-qualified RGI emoji, alone, with text around, and all joined', () => {
    const broken = emoji.filter((e) => {
      const alone = sanitize(e);
      const inText = `x${e}y`;
      return alone.text !== e || alone.findings.length > 0 || sanitize(inText).text !== inText;
    });
    expect(broken).toEqual([]);
    const all = emoji.join(' ');
    const r = sanitize(all);
    expect(r.text).toBe(all);
    expect(r.findings).toEqual([]);
  });

  const samples: [string, string][] = [
    ['Arabic', 'مرحبا بالعالم، هذا نص عربي.'],
    ['Persian with ZWNJ', 'می‌خواهم کتاب‌ها را بخوانم؛ خانه‌ی ما'],
    ['Hebrew with LRM/RLM', 'שלום\u200E ABC 123\u200F עולם, גרסה\u200E 2.0'],
    ['Arabic with ALM', 'السعر\u061C 100 دولار'],
    ['Hindi with ZWJ/ZWNJ', 'क्‍ष क्‌ष हिन्दी भाषा'],
    ['Bengali with ZWJ', 'র‍্যাব র‌্যাম বাংলা'],
    ['Malayalam chillu', 'ന്‍ ണ്‍ മലയാളം'],
    ['CJK', '汉字、かな、カナ、한국어 — 東京都'],
    ['Japanese IVS', '葛󠄀城市 と 葛󠄁飾区'],
    ['Thai', 'ภาษาไทยไม่มีช่องว่างระหว่างคำ'],
    ['combining diacritics', 'Zoë, naïve, Ångström, e\u0301, Tiếng Việt'],
    ['Mongolian FVS', 'ᠮᠣᠩᠭᠣᠯ ᠠ᠋ ᠭ᠌'],
    ['text/emoji presentation', '↩︎ ↩️ ☺︎ ❤️ ©️ ™'],
    ['keycaps and flags', '#️⃣ 1️⃣ 🇺🇳 🇯🇵 🏴󠁧󠁢󠁥󠁮󠁧󠁿'],
    ['math variation', '≩︀ ⊊︀'],
    ['code with tabs', 'function f() {\n\tif (x) {\n\t\treturn 1;\r\n\t}\n}\n'],
    ['markdown', '# Title\n\n- item *one*\n- `code` [link](https://example.com/page)\n'],
    ['Cyrillic prose', 'Москва — столица России; в ней живут миллионы людей.'],
    ['Greek prose', 'Η Αθήνα είναι η πρωτεύουσα της Ελλάδας.'],
  ];
  it.each(samples)('%s', (_name, text) => {
    const r = sanitize(text);
    expect(r.text).toBe(text);
    expect(r.changed).toBe(false);
    expect(r.findings).toEqual([]);
  });
});
