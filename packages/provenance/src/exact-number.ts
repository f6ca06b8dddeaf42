// RFC 8259 §6 number grammar, anchored at lastIndex (sticky); linear, no backtracking across tokens.
export const numberToken: RegExp = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** A decimal as sign, significant digits (no leading or trailing zeros) and the power of ten of the last digit. */
function decimalOf(token: string): string {
  const neg = token.charCodeAt(0) === 45;
  const body = neg ? token.slice(1) : token;
  const e = body.search(/[eE]/);
  const mantissa = e < 0 ? body : body.slice(0, e);
  let exponent = e < 0 ? 0 : Number(body.slice(e + 1));
  const dot = mantissa.indexOf('.');
  let digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  if (dot >= 0) exponent -= mantissa.length - dot - 1;
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start++;
  let end = digits.length;
  while (end > start && digits.charCodeAt(end - 1) === 48) {
    end--;
    exponent++;
  }
  digits = digits.slice(start, end);
  return digits === '' ? '0' : `${neg ? '-' : ''}${digits}e${exponent}`;
}

/**
 * Whether every parser reads `token` as the number `value` that RFC 8785
 * will write: magnitude at most 2^53−1 (I-JSON, RFC 7493 §2.2), and the exact
 * decimal of the token equal to the exact decimal of the canonical spelling.
 * `0.1` passes (its canonical form is `0.1`); `9007199254740993` and
 * `0.10000000000000000001` do not (a double reads them as another number
 * than an arbitrary-precision parser does).
 */
export function isExactNumber(token: string, value: number): boolean {
  if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) return false;
  const canonical = String(value);
  return token === canonical || decimalOf(token) === decimalOf(canonical);
}
