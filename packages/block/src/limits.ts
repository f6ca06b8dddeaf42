/**
 * Size limits enforced when a block is parsed or built. Every size is bounded
 * so that hostile input meets a typed error, not unbounded work.
 */
export const BLOCK_LIMITS: {
  readonly maxContentChars: number;
  readonly maxIdChars: number;
  readonly maxLabelCount: number;
  readonly maxLabelChars: number;
  readonly maxParents: number;
  readonly maxTransforms: number;
  readonly maxMetaBytes: number;
} = Object.freeze({
  /** 16 Mi UTF-16 code units of content per block. */
  maxContentChars: 16 * 1024 * 1024,
  maxIdChars: 256,
  maxLabelCount: 64,
  maxLabelChars: 128,
  maxParents: 64,
  maxTransforms: 64,
  /** Serialized size of `meta`, in UTF-16 code units. */
  maxMetaBytes: 64 * 1024,
});
