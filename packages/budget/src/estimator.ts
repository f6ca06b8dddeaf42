import { checkEncoding, invalidInput } from './check-input.js';
import { createTokenizer } from './create-tokenizer.js';
import { getNativeOps, type NativeOps, setNativeOps, type Tokenizer } from './tokenizer.js';

/** Options of `createEstimator`. */
export interface EstimatorOptions {
  /** Encoding whose exact count is scaled. Default `o200k_base`. */
  base?: 'o200k_base' | 'cl100k_base';
  /**
   * Safety margin as a fraction: the estimate is `ceil(count × (1 + margin)) + fixed`.
   * Default 0.25 (see `DEFAULT_ESTIMATOR_MARGIN`).
   */
  margin?: number;
  /** Tokens added to every non-empty count, for per-text overheads the base encoding cannot see. Default 0. */
  fixed?: number;
  /** Name reported as `encoding`. Default `estimate:<base>+<margin%>`. */
  name?: string;
}

/**
 * Default margin of the estimator: 25 %. Anthropic and Google publish no
 * offline tokenizer for current models; their token-counting endpoints
 * (Anthropic `messages.countTokens`, Gemini `countTokens`) are the only exact
 * source, and their counts differ from o200k_base by content and language.
 * 25 % is a conservative starting point, not a guarantee: calibrate against
 * the provider's endpoint on your own content and raise the margin if the
 * estimate runs close.
 */
export const DEFAULT_ESTIMATOR_MARGIN = 0.25;

/**
 * A conservative token estimator for providers without a public tokenizer
 * (Anthropic, Gemini): an exact OpenAI count scaled up by a safety margin.
 * `count` is the estimate; `encode`/`decode` are the base encoding's (ids are
 * not the provider's), so `count(t) >= encode(t).length`.
 * Budgets computed with it are only as safe as the margin.
 *
 * @example
 * const claude = createEstimator({ margin: 0.3 });
 * fit(items, { tokenizer: claude, maxTokens: 200_000, reserveOutput: 8_000 });
 */
export function createEstimator(options: EstimatorOptions = {}): Tokenizer {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    invalidInput(['options'], options, 'an options object');
  }
  const baseName = options.base ?? 'o200k_base';
  checkEncoding(baseName, ['base']);
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.length > 256)) {
    invalidInput(['name'], options.name, 'a string of at most 256 chars');
  }
  const base = createTokenizer(baseName);
  const margin = options.margin ?? DEFAULT_ESTIMATOR_MARGIN;
  const fixed = options.fixed ?? 0;
  if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0 || margin > 10) {
    invalidInput(['margin'], margin, 'a number from 0 to 10');
  }
  if (!Number.isSafeInteger(fixed) || fixed < 0) {
    invalidInput(['fixed'], fixed, 'a non-negative integer');
  }
  const scale = 1 + margin;
  const estimate = (n: number): number => (n === 0 ? 0 : Math.ceil(n * scale) + fixed);
  /** Largest base count whose estimate stays within `tokens`. */
  const baseWithin = (tokens: number): number => Math.max(0, Math.floor((tokens - fixed) / scale));
  const estimator: Tokenizer = {
    encoding: options.name ?? `estimate:${base.encoding}+${Math.round(margin * 100)}%`,
    count: (text) => estimate(base.count(text)),
    encode: (text) => base.encode(text),
    decode: (ids) => base.decode(ids),
  };
  const ops = getNativeOps(base) as NativeOps;
  setNativeOps(estimator, {
    countUpTo: (text, limit) => estimate(ops.countUpTo(text, baseWithin(limit) + 1)),
    prefixEnd: (text, maxTokens) => ops.prefixEnd(text, baseWithin(maxTokens)),
    suffixStart: (text, maxTokens) => ops.suffixStart(text, baseWithin(maxTokens)),
  });
  return Object.freeze(estimator);
}
