/** Whether `JSON.stringify` writes plain data as RFC 8785 does: no `toJSON` planted on a prototype. */
export function isStringifyPristine(): boolean {
  return (
    !('toJSON' in Object.prototype) &&
    !('toJSON' in Array.prototype) &&
    !('toJSON' in String.prototype) &&
    !('toJSON' in Number.prototype) &&
    !('toJSON' in Boolean.prototype)
  );
}
