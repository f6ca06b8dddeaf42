const nativeIsWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/**
 * True when `text` holds no lone surrogate (a high surrogate not followed by a
 * low one, or a low one not preceded by a high one), so it has a UTF-8 form
 * and RFC 8785 can encode it. ES2024 `String.prototype.isWellFormed` where the
 * runtime has it; one linear pass elsewhere. False for a non-string.
 *
 * @example
 * isWellFormed('ok 😀'); // true
 * isWellFormed('\uD800'); // false
 */
export function isWellFormed(text: string): boolean {
  if (typeof text !== 'string') return false;
  if (nativeIsWellFormed !== undefined) return nativeIsWellFormed.call(text);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}
