import { createCodePointTest } from './code-point-table.js';
import type { Severity } from './finding.js';
import {
  BOM,
  DEFAULT_IGNORABLE,
  FORMAT,
  isControl,
  isEgyptianModifier,
  isSurrogate,
  isZeroWidth,
  NONCHARACTER,
  PRIVATE_USE,
  UNASSIGNED,
} from './unicode-data.js';

/** What a lone suspicious code point is, once no smuggling scheme and no allow-list claimed it. */
export interface CodePointVerdict {
  kind: string;
  severity: Severity;
  label: string;
  /** Replacement under `strip`. */
  strip: string;
}

const isNoncharacter = createCodePointTest(NONCHARACTER);
const isPrivateUse = createCodePointTest(PRIVATE_USE);
const isDefaultIgnorable = createCodePointTest(DEFAULT_IGNORABLE);
const isFormat = createCodePointTest(FORMAT);
const isUnassigned = createCodePointTest(UNASSIGNED);

function verdict(kind: string, severity: Severity, label: string, strip = ''): CodePointVerdict {
  return { kind, severity, label, strip };
}

const LONE_SURROGATE = verdict('lone-surrogate', 'medium', 'unpaired surrogate', '\uFFFD');
const CONTROL_HIGH = verdict('control', 'high', 'control character');
const CONTROL = verdict('control', 'medium', 'control character');
const BYTE_ORDER_MARK = verdict('zero-width', 'low', 'byte order mark');
const ZERO_WIDTH = verdict('zero-width', 'medium', 'zero-width character');
const NONCHARACTER_CP = verdict('noncharacter', 'medium', 'noncharacter');
const PRIVATE = verdict('private-use', 'low', 'private-use character');
const SOFT_INVISIBLE = verdict('default-ignorable', 'low', 'invisible character');
const INVISIBLE = verdict('default-ignorable', 'medium', 'invisible character');
const FORMAT_CONTROL = verdict('format-control', 'medium', 'format character outside its context');
const UNASSIGNED_CP = verdict('unassigned', 'low', 'unassigned code point');

/** The class of a suspicious code point at `i`, in order of precedence. */
export function judgeCodePoint(cp: number, i: number): CodePointVerdict {
  if (isSurrogate(cp)) return LONE_SURROGATE;
  if (isControl(cp)) return cp === 0x1b || cp === 0x9b || cp === 0 ? CONTROL_HIGH : CONTROL;
  if (cp === BOM && i === 0) return BYTE_ORDER_MARK;
  if (isZeroWidth(cp)) return ZERO_WIDTH;
  if (isNoncharacter(cp)) return NONCHARACTER_CP;
  if (isPrivateUse(cp)) return PRIVATE;
  if (cp === 0x00ad || cp === 0x17b4 || cp === 0x17b5) return SOFT_INVISIBLE;
  if (isDefaultIgnorable(cp)) return INVISIBLE;
  if (isFormat(cp) || isEgyptianModifier(cp)) return FORMAT_CONTROL;
  if (!isUnassigned(cp)) return INVISIBLE;
  return UNASSIGNED_CP;
}
