// Every character class here comes from the JavaScript engine's own Unicode
// property tables (V8 + ICU), not from a bundled table: on Node 20.20 that is
// ICU 78 / Unicode 17.0. `unicode-properties` is not used: its data predates
// Unicode 14 and reports unassigned code points as Cc (see docs/notes.md).
// The v flag is built through `new RegExp` so the TypeScript target can stay ES2022.

/**
 * Code points that may need action: default-ignorables (includes ZW*, tags,
 * variation selectors, Hangul fillers, soft hyphen, CGJ), every other format
 * character (Cf: the prepended concatenation marks such as U+0600 ARABIC
 * NUMBER SIGN, the Egyptian hieroglyph format controls U+13430–1343F, the
 * interlinear-annotation controls U+FFF9–FFFB), the Egyptian hieroglyph
 * modifiers (the marks of U+13440–13455), bidi controls, C0/C1 controls except TAB/LF/CR,
 * surrogates (lone ones only, since the u/v flags pair valid ones), private
 * use, unassigned and noncharacters.
 */
export const SUSPICIOUS_SOURCE: string =
  '[[\\p{Default_Ignorable_Code_Point}\\p{Cf}\\p{Bidi_Control}\\p{Cc}\\p{Cs}\\p{Co}\\p{Cn}' +
  '\\p{Noncharacter_Code_Point}\\p{Variation_Selector}\\u{13440}\\u{13447}-\\u{13455}]--[\\t\\n\\r]]';

/** Builds a regex with the Unicode-sets flag `v` (ES2024) added to `flags`. */
export function setsRegExp(source: string, flags: string): RegExp {
  return new RegExp(source, flags + V_FLAG);
}
// Held in a variable so TypeScript does not reject the flag for an ES2022 target.
const V_FLAG: string = 'v';

/** Sticky matcher for one RGI emoji (UTS #51) including ZWJ, keycap, modifier and tag-flag sequences. */
export const RGI_EMOJI_STICKY: RegExp = setsRegExp('\\p{RGI_Emoji}', 'y');

export const DEFAULT_IGNORABLE: RegExp = /^\p{Default_Ignorable_Code_Point}$/u;
export const EMOJI_BASE: RegExp = /^\p{Emoji}$/u;
export const IDEOGRAPHIC: RegExp = /^\p{Ideographic}$/u;
export const PRIVATE_USE: RegExp = /^\p{Co}$/u;
export const UNASSIGNED: RegExp = /^\p{Cn}$/u;
export const NONCHARACTER: RegExp = /^\p{Noncharacter_Code_Point}$/u;
export const LETTER_OR_MARK: RegExp = /^[\p{L}\p{M}]$/u;
export const MARK: RegExp = /^\p{M}$/u;
export const LETTER: RegExp = /^\p{L}$/u;
export const FORMAT: RegExp = /^\p{Cf}$/u;
export const DIGIT: RegExp = /^\p{Nd}$/u;
/** Egyptian hieroglyph signs: the only base an Egyptian hieroglyph modifier (U+13440–13455) belongs after. */
export const EGYPTIAN_HIEROGLYPH: RegExp = /^[\u{13000}-\u{1342F}\u{13441}-\u{13446}\u{13460}-\u{143FF}]$/u;

/**
 * Bases that have standardized variation sequences with U+FE00–FE0D
 * (StandardizedVariants.txt: math symbols, CJK compatibility ideographs,
 * Myanmar, Phags-pa, Manichaean, Egyptian hieroglyphs) — approximated by script/property.
 */
export const STANDARDIZED_VS_BASE: RegExp = setsRegExp(
  '^[[\\p{Math}--[\\x00-\\x7F]]\\p{Ideographic}\\p{scx=Myanmar}\\p{scx=Phags_Pa}\\p{scx=Manichaean}\\p{scx=Egyptian_Hieroglyphs}0]$',
  '',
);

/** Mongolian letters take the free variation selectors U+180B–180D, U+180F and the vowel separator U+180E. */
export const MONGOLIAN: RegExp = /^[\p{scx=Mongolian}]$/u;

/**
 * Scripts whose letters legitimately take ZWJ/ZWNJ between them: Arabic-type
 * joining scripts and the Brahmic scripts that use joiners around a virama
 * (Unicode §23.2, UAX #31 §2.3 contexts A1/B).
 */
export const JOINING_SCRIPT: RegExp = new RegExp(
  '^[' +
    [
      'Arabic',
      'Syriac',
      'Nko',
      'Mongolian',
      'Mandaic',
      'Manichaean',
      'Psalter_Pahlavi',
      'Hanifi_Rohingya',
      'Sogdian',
      'Adlam',
      'Phags_Pa',
      'Devanagari',
      'Bengali',
      'Gurmukhi',
      'Gujarati',
      'Oriya',
      'Tamil',
      'Telugu',
      'Kannada',
      'Malayalam',
      'Sinhala',
      'Khmer',
      'Myanmar',
      'Tibetan',
      'Thaana',
      'Balinese',
      'Javanese',
    ]
      .map((s) => `\\p{scx=${s}}`)
      .join('') +
    ']$',
  'u',
);

/** Letters of right-to-left scripts: the context where LRM/RLM/ALM are legitimate. */
export const RTL_LETTER: RegExp = new RegExp(
  '^[' +
    [
      'Hebrew',
      'Arabic',
      'Syriac',
      'Thaana',
      'Nko',
      'Samaritan',
      'Mandaic',
      'Adlam',
      'Hanifi_Rohingya',
      'Yezidi',
      'Imperial_Aramaic',
      'Phoenician',
      'Old_South_Arabian',
      'Avestan',
      'Mende_Kikakui',
    ]
      .map((s) => `\\p{scx=${s}}`)
      .join('') +
    ']$',
  'u',
);

export const ZWNJ = 0x200c;
export const ZWJ = 0x200d;
export const LRM = 0x200e;
export const RLM = 0x200f;
export const ALM = 0x061c;
export const BOM = 0xfeff;
export const CANCEL_TAG = 0xe007f;
export const WAVING_BLACK_FLAG = 0x1f3f4;

export function isTag(cp: number): boolean {
  return cp >= 0xe0000 && cp <= 0xe007f;
}

/** Variation selectors carrying a byte value in Butler's scheme: VS1–16 and VS17–256. */
export function isVariationSelector(cp: number): boolean {
  return (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
}

export function isMongolianSelector(cp: number): boolean {
  return (cp >= 0x180b && cp <= 0x180f) || cp === 0x180e;
}

/** Bidi embeddings, overrides and isolates (UAX #9 explicit formatting characters). */
export function isBidiExplicit(cp: number): boolean {
  return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

export function isBidiMark(cp: number): boolean {
  return cp === LRM || cp === RLM || cp === ALM;
}

export function isSneakyBit(cp: number): boolean {
  return cp === 0x2062 || cp === 0x2064;
}

/** Zero-width characters reported as `zero-width` rather than the broader `default-ignorable`. */
export function isZeroWidth(cp: number): boolean {
  return (
    cp === 0x200b ||
    cp === ZWNJ ||
    cp === ZWJ ||
    cp === 0x2060 ||
    cp === BOM ||
    (cp >= 0x2061 && cp <= 0x2064)
  );
}

/**
 * Prepended concatenation marks (PropList.txt Prepended_Concatenation_Mark):
 * visible signs that span the digits after them (U+0600 ARABIC NUMBER SIGN,
 * U+06DD END OF AYAH, U+070F SYRIAC ABBREVIATION MARK, U+110BD KAITHI
 * NUMBER SIGN…). Legitimate only before a digit.
 */
export function isPrependedMark(cp: number): boolean {
  return (
    (cp >= 0x0600 && cp <= 0x0605) ||
    cp === 0x06dd ||
    cp === 0x070f ||
    cp === 0x0890 ||
    cp === 0x0891 ||
    cp === 0x08e2 ||
    cp === 0x110bd ||
    cp === 0x110cd
  );
}

/** Egyptian hieroglyph modifiers (the Mn of U+13440–13455): legitimate only right after a hieroglyph sign. */
export function isEgyptianModifier(cp: number): boolean {
  return cp === 0x13440 || (cp >= 0x13447 && cp <= 0x13455);
}

export function isControl(cp: number): boolean {
  return (
    (cp < 0x20 && cp !== 9 && cp !== 10 && cp !== 13) ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0xfff9 && cp <= 0xfffb)
  );
}

export function isSurrogate(cp: number): boolean {
  return cp >= 0xd800 && cp <= 0xdfff;
}

/** Text of one code point, reusing a cached string for the common BMP range. */
export function charOf(cp: number): string {
  return String.fromCodePoint(cp);
}
