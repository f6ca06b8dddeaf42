import { InvalidArgumentError } from '@ctxpack/block';
import { foldCodePoint, foldString } from './fold.js';

/** One registered special token and the model family that reserves it. */
export interface SpecialToken {
  token: string;
  family: string;
}

const families: Record<string, readonly string[]> = {
  tiktoken: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|endofprompt|>'],
  chatml: ['<|im_start|>', '<|im_end|>', '<|im_sep|>'],
  'llama-2': ['[INST]', '[/INST]', '<<SYS>>', '<</SYS>>', '<s>', '</s>'],
  'llama-3': [
    '<|begin_of_text|>',
    '<|end_of_text|>',
    '<|start_header_id|>',
    '<|end_header_id|>',
    '<|eot_id|>',
    '<|eom_id|>',
    '<|python_tag|>',
    '<|finetune_right_pad_id|>',
  ],
  'llama-4': [
    '<|header_start|>',
    '<|header_end|>',
    '<|eot|>',
    '<|eom|>',
    '<|python_start|>',
    '<|python_end|>',
  ],
  mistral: [
    '[SYSTEM_PROMPT]',
    '[/SYSTEM_PROMPT]',
    '[AVAILABLE_TOOLS]',
    '[/AVAILABLE_TOOLS]',
    '[TOOL_CALLS]',
    '[TOOL_RESULTS]',
    '[/TOOL_RESULTS]',
    '[THINK]',
    '[/THINK]',
    '[TOOL_CONTENT]',
    '[ARGS]',
    '[CALL_ID]',
  ],
  gemma: ['<start_of_turn>', '<end_of_turn>', '<bos>', '<eos>'],
  phi: ['<|system|>', '<|user|>', '<|assistant|>', '<|end|>', '<|tool|>', '<|tool_call|>'],
  qwen: [
    '<tool_call>',
    '</tool_call>',
    '<tool_response>',
    '</tool_response>',
    '<think>',
    '</think>',
    '<|vision_start|>',
  ],
  deepseek: [
    '<｜begin▁of▁sentence｜>',
    '<｜end▁of▁sentence｜>',
    '<｜User｜>',
    '<｜Assistant｜>',
    '<｜tool▁calls▁begin｜>',
    '<｜tool▁calls▁end｜>',
    '<｜tool▁call▁begin｜>',
    '<｜tool▁call▁end｜>',
    '<｜tool▁sep｜>',
    '<｜tool▁outputs▁begin｜>',
    '<｜tool▁output▁begin｜>',
  ],
  glm: ['<arg_key>', '</arg_key>', '<arg_value>', '</arg_value>', '[gMASK]', '<sop>'],
  functiongemma: [
    '<start_function_call>',
    '<end_function_call>',
    '<start_function_response>',
    '<end_function_response>',
    '<start_function_declaration>',
    '<end_function_declaration>',
  ],
  harmony: ['<|start|>', '<|end|>', '<|message|>', '<|channel|>', '<|constrain|>', '<|return|>', '<|call|>'],
};

/**
 * Token shapes matched besides the literals (on folded, lowercase text):
 * any `<|…|>` of 1–64 characters (reserved and future tiktoken-style tokens),
 * Nemotron/T5 sentinels `<extra_id_N>`, and fill-in-the-middle tokens
 * `<fim_prefix>`, `<fim_middle>`… (StarCoder, Qwen-Coder, CodeGemma).
 */
const TOKEN_SHAPES: readonly { rule: string; prefix: string; source: string }[] = [
  { rule: 'nemotron', prefix: '<extra_id_', source: '<extra_id_[0-9]{1,4}>' },
  { rule: 'fim', prefix: '<fim_', source: '<fim_[a-z_]{1,16}>' },
  { rule: 'angle-pipe', prefix: '<|', source: '<\\|[^<>|\\n]{1,64}\\|>' },
];

/**
 * The built-in registry: chat special tokens and delimiters per model family.
 * Besides these literals, token shapes match: any `<|…|>` of 1–64 characters
 * (rule `angle-pipe`), `<extra_id_N>` (rule `nemotron`) and `<fim_…>` (rule `fim`).
 */
export const SPECIAL_TOKENS: readonly SpecialToken[] = Object.freeze(
  Object.entries(families).flatMap(([family, tokens]) => tokens.map((token) => ({ token, family }))),
);

/** Legacy completion-style turn markers, matched at a line start. */
export const ROLE_MARKERS: readonly string[] = Object.freeze(['Human', 'Assistant']);

/**
 * What may stand between a line start and a turn marker: horizontal Unicode
 * white space (any amount: models read `      Human:` as a turn too), the
 * Braille blank U+2800 (renders as a space, is not White_Space), and quote or
 * list marks. Line breaks are excluded, so each line start scans its own
 * prefix only (linear).
 */
const ROLE_PREFIX = '[\\t\\v\\f \\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000\\u2800>*#]*';
const ROLE_WORDS = ROLE_MARKERS.map((r) => r.toLowerCase()).join('|');

/** A turn marker at a line start, on folded or raw text (case-insensitive). */
export const ROLE_LINE_START: RegExp = new RegExp(`^${ROLE_PREFIX}(?:${ROLE_WORDS})[ \\t]{0,4}:`, 'im');

const NEUTRAL: Readonly<Record<string, string>> = { '<': '⟨', '>': '⟩', '[': '⟦', ']': '⟧' };
const RESERVED_CHARS = /[⟨⟩⟦⟧]/u;

/** A compiled matcher for the registry plus user tokens. */
export interface TokenMatcher {
  /** Global regex over FOLDED text. */
  readonly tokens: RegExp;
  /** Global multiline regex over FOLDED text for line-start turn markers. */
  readonly roles: RegExp;
  /** Folded token → family (or `custom`). */
  readonly familyOf: ReadonlyMap<string, string>;
  /** Some registered token has no `<` or `[`: the token regex must always run. */
  readonly alwaysScan: boolean;
}

/**
 * Longest token (UTF-16 code units) that `neutralizeToken` and `extraTokens`
 * accept. A registered token folds to at most 128 characters; the slack
 * covers characters that fold to nothing (combining marks). Without a bound a
 * 20 MB "token" would be neutralized character by character.
 */
export const MAX_TOKEN_LENGTH = 1024;

const DELIMITER = /[<[]/;
const ROLE_WORD = /human|assistant/;

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Most extra tokens per sanitizer or call: each one is an alternative of the token regex. */
export const MAX_EXTRA_TOKENS = 1024;

/**
 * Checks the shape of `extraTokens` (an array of at most MAX_EXTRA_TOKENS
 * strings) and returns a copy of what it checked (each element read once),
 * before anything reads it as such: it is also serialized as a cache key,
 * which a cyclic or deeply nested element would make throw.
 */
export function checkExtraTokens(value: unknown): readonly string[] {
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError({ path: 'options.extraTokens', expected: 'an array of strings', value });
  }
  if (value.length > MAX_EXTRA_TOKENS) {
    throw new InvalidArgumentError({
      path: 'options.extraTokens',
      expected: `an array of at most ${MAX_EXTRA_TOKENS} tokens`,
      value,
    });
  }
  const out: string[] = [];
  for (let i = 0; i < value.length; i++) {
    const token: unknown = value[i];
    if (typeof token !== 'string') {
      throw new InvalidArgumentError({
        path: `options.extraTokens[${i}]`,
        expected: 'a string',
        value: token,
      });
    }
    out.push(token);
  }
  return out;
}

/**
 * Builds a matcher. Extra tokens are plain strings, matched after the same
 * folding as the built-ins; each must be neutralizable (contain no ⟨⟩⟦⟧ and
 * not match again once neutralized), otherwise `InvalidArgumentError`.
 */
export function createTokenMatcher(extra: readonly string[] = []): TokenMatcher {
  const extraTokens = checkExtraTokens(extra);
  const familyOf = new Map<string, string>();
  for (const { token, family } of SPECIAL_TOKENS) familyOf.set(foldString(token), family);
  extraTokens.forEach((token, i) => {
    const folded = token.length > MAX_TOKEN_LENGTH ? '' : foldString(token);
    if (folded.length < 2 || folded.length > 128) {
      throw new InvalidArgumentError({
        path: `options.extraTokens[${i}]`,
        expected: `a token that folds to 2–128 characters and is at most ${MAX_TOKEN_LENGTH} code units long`,
        value: token,
      });
    }
    if (RESERVED_CHARS.test(token)) {
      throw new InvalidArgumentError({
        path: `options.extraTokens[${i}]`,
        expected: 'a token without ⟨ ⟩ ⟦ ⟧ (they neutralize tokens)',
        value: token,
      });
    }
    if (!familyOf.has(folded)) familyOf.set(folded, 'custom');
  });
  const alternatives = [...familyOf.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  for (const shape of TOKEN_SHAPES) alternatives.push(shape.source);
  const matcher: TokenMatcher = {
    tokens: new RegExp(alternatives.join('|'), 'g'),
    // The word first, then the line-start check as a look-behind over it: a
    // leading look-behind would run at every position of the text.
    roles: new RegExp(`(?:${ROLE_WORDS})(?<=^${ROLE_PREFIX}(?:${ROLE_WORDS}))[ \\t]{0,4}:`, 'gm'),
    familyOf,
    alwaysScan: [...familyOf.keys()].some((t) => !DELIMITER.test(t)),
  };
  // Each neutralized token must be inert, or the fixed-point filter could not terminate.
  extraTokens.forEach((token, i) => {
    const neutral = foldString(neutralizeMatched(token));
    matcher.tokens.lastIndex = 0;
    if (matcher.tokens.test(neutral)) {
      throw new InvalidArgumentError({
        path: `options.extraTokens[${i}]`,
        expected: `a token whose neutralized form ("${neutralizeMatched(token)}") matches no registered token`,
        value: token,
      });
    }
  });
  matcher.tokens.lastIndex = 0;
  return matcher;
}

/** The rule of a token matched by shape rather than as a literal. */
function shapeRule(token: string): string {
  for (const shape of TOKEN_SHAPES) if (token.startsWith(shape.prefix)) return shape.rule;
  return 'angle-pipe';
}

/** A token or role match in folded coordinates. */
export interface TokenMatch {
  start: number;
  end: number;
  kind: 'special-token' | 'role-marker';
  rule: string;
}

/** Every token and role marker in a folded text, in order, non-overlapping within each kind. */
export function findTokens(folded: string, matcher: TokenMatcher): TokenMatch[] {
  const out: TokenMatch[] = [];
  matcher.tokens.lastIndex = matcher.alwaysScan || DELIMITER.test(folded) ? 0 : folded.length;
  for (let m = matcher.tokens.exec(folded); m !== null; m = matcher.tokens.exec(folded)) {
    out.push({
      start: m.index,
      end: m.index + m[0].length,
      kind: 'special-token',
      rule: matcher.familyOf.get(m[0]) ?? shapeRule(m[0]),
    });
  }
  matcher.roles.lastIndex = ROLE_WORD.test(folded) ? 0 : folded.length;
  for (let m = matcher.roles.exec(folded); m !== null; m = matcher.roles.exec(folded)) {
    out.push({ start: m.index, end: m.index + m[0].length, kind: 'role-marker', rule: 'legacy-turn' });
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The visible, inert form of a matched token: `<` `>` `[` `]` (and anything
 * that folds to them) become `⟨` `⟩` `⟦` `⟧`, so `<|im_start|>` reads
 * `⟨|im_start|⟩` and `[INST]` reads `⟦INST⟧`. A token without such a
 * delimiter gets its first character bracketed (`⟦E⟧ND`). None of ⟨⟩⟦⟧
 * folds to an ASCII character (UTS #39 10.0 and NFKD), so the result cannot
 * match again. Throws `InvalidArgumentError` unless `token` is a non-empty
 * string of at most 1024 code units.
 *
 * @example
 * neutralizeToken('<|im_start|>'); // '⟨|im_start|⟩'
 * neutralizeToken('END');          // '⟦E⟧ND'
 */
export function neutralizeToken(token: string): string {
  if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_LENGTH) {
    throw new InvalidArgumentError({
      path: 'token',
      expected: `a non-empty string of at most ${MAX_TOKEN_LENGTH} code units`,
      value: token,
    });
  }
  return neutralizeMatched(token);
}

/** `neutralizeToken` without the checks: a match can exceed the bound (marks inside it fold to nothing), never be empty. */
export function neutralizeMatched(original: string): string {
  const out = neutralizeDelimiters(original);
  if (out !== original) return out;
  const first = String.fromCodePoint(original.codePointAt(0)!);
  return `⟦${first}⟧${original.slice(first.length)}`;
}

/** `<` `>` `[` `]` and every character that folds to one of them → `⟨` `⟩` `⟦` `⟧`; the rest unchanged. */
export function neutralizeDelimiters(text: string): string {
  let out = '';
  let changed = false;
  for (const c of text) {
    const r = NEUTRAL[foldCodePoint(c.codePointAt(0)!)];
    if (r !== undefined) {
      out += r;
      changed = true;
    } else out += c;
  }
  return changed ? out : text;
}

/** `Human:` → `⟦Human⟧:` — the turn label stays readable but no longer starts a line. */
export function neutralizeRoleMarker(original: string): string {
  const colon = original.lastIndexOf(':');
  const word = original.slice(0, colon).trimEnd();
  return `⟦${word}⟧${original.slice(word.length)}`;
}
