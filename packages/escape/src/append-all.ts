/**
 * Appends `items` to `target` one by one. `target.push(...items)` passes every
 * item as an argument and throws `RangeError` past ~125k of them (the stack
 * holds the arguments); detectors can return a million matches.
 */
export function appendAll<T>(target: T[], items: readonly T[]): void {
  for (let i = 0; i < items.length; i++) target.push(items[i]!);
}
