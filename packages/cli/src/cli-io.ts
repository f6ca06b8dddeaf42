/** Where the CLI reads and writes; `process` in the binary, buffers in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  /** Reads all of standard input (for `scan -`). */
  readStdin(): Promise<string>;
  env: Record<string, string | undefined>;
  cwd: string;
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof codes;

/** Colour only on a TTY, and never when NO_COLOR is set (https://no-color.org). */
export function createPaint(io: CliIo): (colour: Colour, text: string) => string {
  const enabled = io.stdout.isTTY === true && (io.env['NO_COLOR'] ?? '') === '' && io.env['TERM'] !== 'dumb';
  return (colour, text) => (enabled ? `\u001b[${codes[colour]}m${text}\u001b[0m` : text);
}

/** Left-aligned columns separated by two spaces; cells are measured before colouring. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)];
}

/** Makes control and invisible characters visible (`\u202e`), so a terminal table cannot be spoofed by its own data. */
export function visible(text: string, max = 80): string {
  const shown = text.replace(
    /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufe00-\ufe0f]|[\u{e0000}-\u{e01ef}]/gu,
    (c) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`,
  );
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}
