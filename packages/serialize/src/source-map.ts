import type { PlannedMessage } from './plan-messages.js';

/** Where one block's content landed: a character range `[start, end)` of the string at `path`. */
export interface SourceRange {
  blockId: string;
  /** Path of the string in the request, e.g. `messages[3].content[0].text`. */
  path: string;
  start: number;
  end: number;
}

/** One rendered message (or system entry, or prompt section) and the blocks it came from. */
export interface SourceMapEntry {
  /** Index of the entry in the array `path` points into (`messages[2]` → 2; `instructions`, `prompt` → 0…). */
  index: number;
  /** Path of the message in the request: `messages[2]`, `input[0]`, `system[1]`, `instructions`, `prompt`. */
  path: string;
  /** Blocks rendered into this entry, in order; empty for the generated preamble. */
  blockIds: string[];
  /** Character ranges of each block's content (as spotlighted) inside the entry. */
  ranges: SourceRange[];
}

/** The range of `m`'s block content, shifted by `offset`, in the string at `path`. */
export function rangesOf(m: PlannedMessage, path: string, offset = 0): SourceRange[] {
  const blockId = m.blockIds[0];
  if (blockId === undefined || m.contentRange === undefined) return [];
  return [{ blockId, path, start: m.contentRange.start + offset, end: m.contentRange.end + offset }];
}
