import type { ContextBlock, Trust } from '@ctxpack/block';
import { InvalidArgumentError } from '@ctxpack/block';
import { assertOneOf, assertString, encodeBase64, isRecord } from '@ctxpack/block/kernel';
import { assertBlockShape } from './check-input.js';

/**
 * How wrapped data is marked (Hines et al. 2024, "Defending Against Indirect
 * Prompt Injection Attacks With Spotlighting", arXiv 2403.14720):
 * - `delimit`: the data as is, between nonce boundaries (the default);
 * - `datamark`: every Unicode `White_Space` character but a line break (so
 *   also NBSP, U+2003, U+3000 …) replaced by {@link DATAMARK}, so the model
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

// The White_Space characters that are mandatory line breaks (UAX #14 BK, CR, LF, NL).
const LINE_BREAKS = '\n\u000b\u000c\r\u0085\u2028\u2029';

/**
 * The mode for one (data) block: by id, then by trust, then the default, then
 * `delimit`. An unknown mode, or a `spotlight` that is neither a mode nor an
 * object, is an `InvalidArgumentError` naming the option path.
 *
 * @example
 * resolveSpotlight(block, { default: 'delimit', trust: { untrusted: 'encode' } }); // 'encode' for untrusted data
 */
export function resolveSpotlight(block: ContextBlock, option: SpotlightOption | undefined): SpotlightMode {
  assertBlockShape(block, 'block');
  return resolveMode(block, option, 'spotlight');
}

/** {@link resolveSpotlight} without the block check, for callers that checked it. */
export function resolveMode(
  block: ContextBlock,
  option: SpotlightOption | undefined,
  path: string,
): SpotlightMode {
  if (option === undefined) return 'delimit';
  if (typeof option === 'string') return checkMode(option, path);
  if (!isRecord(option)) {
    throw new InvalidArgumentError({
      path,
      expected: 'a spotlight mode or { default, trust, blocks }',
      value: option,
    });
  }
  const byId =
    isRecord(option.blocks) && Object.hasOwn(option.blocks, block.id) ? option.blocks[block.id] : undefined;
  if (byId !== undefined) return checkMode(byId, `${path}.blocks[${JSON.stringify(block.id)}]`);
  const byTrust =
    isRecord(option.trust) && Object.hasOwn(option.trust, block.trust)
      ? option.trust[block.trust]
      : undefined;
  if (byTrust !== undefined) return checkMode(byTrust, `${path}.trust.${block.trust}`);
  return option.default === undefined ? 'delimit' : checkMode(option.default, `${path}.default`);
}

function checkMode(mode: unknown, path: string): SpotlightMode {
  assertOneOf(mode, path, SPOTLIGHT_MODES);
  return mode;
}

/**
 * The data as it appears inside its boundary. `datamark` keeps the length in
 * UTF-16 code units (one BMP character for one), so source-map ranges stay
 * aligned with the original; `encode` does not.
 */
export function applySpotlight(content: string, mode: SpotlightMode): string {
  assertString(content, 'content');
  switch (mode) {
    case 'delimit':
      return content;
    case 'datamark':
      // Any White_Space, not only ASCII: data spaced with NBSP or U+3000 would
      // otherwise read as unmarked prose. Line breaks stay, as the lines do.
      return content.replace(/\p{White_Space}/gu, (c) => (LINE_BREAKS.includes(c) ? c : DATAMARK));
    case 'encode':
      return encodeBase64(new TextEncoder().encode(content));
    default:
      throw new InvalidArgumentError({ path: 'mode', expected: SPOTLIGHT_MODES.join(' | '), value: mode });
  }
}
