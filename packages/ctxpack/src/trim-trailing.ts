/**
 * `text` without the run of `char` at its end. A loop, not `/x+$/`: a regex anchored at the end retries
 * from every position of a long run that is not at the end, which is quadratic (`'/'.repeat(1e5) + 'a'`).
 */
export function trimTrailing(text: string, char: string): string {
  const code = char.charCodeAt(0);
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === code) end--;
  return end === text.length ? text : text.slice(0, end);
}
