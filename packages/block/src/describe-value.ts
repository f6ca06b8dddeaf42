const typedArrayPrototype: object = Object.getPrototypeOf(Uint8Array.prototype) as object;
const tagOf = Object.getOwnPropertyDescriptor(typedArrayPrototype, Symbol.toStringTag)?.get as (
  this: unknown,
) => string | undefined;
const lengthOf = Object.getOwnPropertyDescriptor(typedArrayPrototype, 'length')?.get as (
  this: unknown,
) => number;

/**
 * The type of `value` in a few words, for error messages. Reads no property of
 * `value` and never stringifies it, so a BigInt, a cycle, a 100k-deep array, a
 * getter or a Proxy cannot throw (or run code) while an error is being built.
 *
 * @example
 * describeValue(null); // 'null'
 * describeValue('x'.repeat(20)); // 'a string of 20 chars'
 * describeValue(new Uint8Array(3)); // 'a Uint8Array of 3 bytes'
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string of ${value.length} chars`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  // ArrayBuffer.isView reads an internal slot (a Proxy is never a view); the
  // intrinsic getters then read slots too, not properties the value could override.
  if (ArrayBuffer.isView(value)) {
    const tag = tagOf.call(value);
    return tag === undefined
      ? 'a DataView'
      : `a ${tag} of ${lengthOf.call(value)} ${tag === 'Uint8Array' ? 'bytes' : 'items'}`;
  }
  return typeof value;
}
