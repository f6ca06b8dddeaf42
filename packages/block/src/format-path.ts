/**
 * A path into an input, as error messages print it. Total on any input: it
 * runs while an error is being built.
 *
 * @example
 * formatPath(['source', 'type']); // 'source.type'
 * formatPath(['labels', 2]); // 'labels[2]'
 * formatPath([]); // '(block)'
 */
export function formatPath(path: readonly (string | number | symbol)[]): string {
  if (!Array.isArray(path)) return '(invalid path)';
  if (path.length === 0) return '(block)';
  let out = '';
  for (const part of path as readonly unknown[]) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const name = typeof part === 'string' || typeof part === 'symbol' ? String(part) : '?';
      out += out === '' ? name : `.${name}`;
    }
  }
  return out;
}
