import type { ContextBlock, Trust } from '@ctxpack/block';

/**
 * How wrapped data is marked (Hines et al. 2024, "Defending Against Indirect
 * Prompt Injection Attacks With Spotlighting", arXiv 2403.14720):
 * - `delimit`: the data as is, between nonce boundaries (the default);
 * - `datamark`: every space and tab replaced by {@link DATAMARK}, so the model
 *   sees at each word that it is reading data;
 * - `encode`: the UTF-8 bytes in base64, to be decoded only to be read.
 * Every mode is also delimited: the boundary is what cannot be forged.
 */
export type SpotlightMode = 'delimit' | 'datamark' | 'encode';

export const SPOTLIGHT_MODES: readonly SpotlightMode[] = Object.freeze(['delimit', 'datamark', 'encode']);

/** Spotlighting per block id, per trust level, or for all data; most specific wins. */
export interface SpotlightConfig {
  default?: SpotlightMode;
  trust?: Partial<Record<Trust, SpotlightMode>>;
  /** By block id. */
  blocks?: Readonly<Record<string, SpotlightMode>>;
}

export type SpotlightOption = SpotlightMode | SpotlightConfig;

/** U+02C6 MODIFIER LETTER CIRCUMFLEX ACCENT, the marker of the paper's experiments. */
export const DATAMARK = '\u02c6';

/** The mode for one block: by id, then by trust, then the default, then `delimit`. */
export function resolveSpotlight(block: ContextBlock, option: SpotlightOption | undefined): SpotlightMode {
  if (option === undefined) return 'delimit';
  const mode =
    typeof option === 'string'
      ? option
      : (option.blocks?.[block.id] ?? option.trust?.[block.trust] ?? option.default ?? 'delimit');
  if (!SPOTLIGHT_MODES.includes(mode)) {
    throw new TypeError(`Unknown spotlight mode ${JSON.stringify(mode)}; use ${SPOTLIGHT_MODES.join(', ')}`);
  }
  return mode;
}

/**
 * The data as it appears inside its boundary. `datamark` keeps the length in
 * UTF-16 code units (one BMP character for one), so source-map ranges stay
 * aligned with the original; `encode` does not.
 */
export function applySpotlight(content: string, mode: SpotlightMode): string {
  switch (mode) {
    case 'delimit':
      return content;
    case 'datamark':
      return content.replace(/[ \t]/g, DATAMARK);
    case 'encode':
      return encodeBase64(new TextEncoder().encode(content));
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** RFC 4648 §4 base64 with padding; no `btoa`/`Buffer`, so it runs everywhere. */
export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    chunk += ALPHABET[(n >> 18) & 63];
    chunk += ALPHABET[(n >> 12) & 63];
    chunk += b === undefined ? '=' : ALPHABET[(n >> 6) & 63];
    chunk += c === undefined ? '=' : ALPHABET[n & 63];
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return parts.join('');
}
