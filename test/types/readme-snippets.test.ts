/**
 * The README's SDK calls compile without casts under the strict base
 * tsconfig: every README line that spreads `payload.request` (or assembles
 * the payload it spreads) is in readme-snippets.ts, which tsc must accept —
 * including its `@ts-expect-error` lines, which fail the check if the
 * request type ever loosens to `any` or `Record<string, unknown>`.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(`${root}packages/ctxpack/README.md`, 'utf8');
const snippets = readFileSync(`${root}test/types/readme-snippets.ts`, 'utf8');

/** Whitespace and trailing commas removed: the formatter may wrap a line the README keeps on one. */
const squash = (code: string): string => code.replace(/\s+/g, '').replace(/,([)}\]])/g, '$1');

/** Code lines (comments aside) of the README blocks that spread `payload.request`: the assemble and the call. */
function readmeCalls(): string[] {
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) =>
    (m[1] ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('//')),
  );
  return blocks
    .filter((lines) => lines.some((l) => l.includes('...payload.request')))
    .flatMap((lines) => lines.filter((l) => /\.\.\.payload\.request|= await ctx\.assemble\(/.test(l)));
}

describe('README SDK snippets', () => {
  it('every README call that spreads payload.request is in the type-checked snippets', () => {
    const calls = readmeCalls();
    expect(calls.some((c) => c.includes('openai.chat.completions.create('))).toBe(true);
    expect(calls.some((c) => c.includes('openai.responses.create('))).toBe(true);
    expect(calls.some((c) => c.includes('anthropic.messages.create('))).toBe(true);
    expect(calls.some((c) => c.includes('generateText('))).toBe(true);
    const checked = squash(snippets);
    for (const call of calls) expect(checked, call).toContain(squash(call));
  });

  it('compiles with tsc --noEmit under the strict base tsconfig', async () => {
    // Asynchronous: a minute of blocking tsc would starve the worker's RPC.
    const tsc = `${root}node_modules/typescript/bin/tsc`;
    const output = await promisify(execFile)(process.execPath, [tsc, '-p', 'test/types/tsconfig.json'], {
      cwd: root,
      encoding: 'utf8',
    }).then(
      ({ stdout }) => stdout,
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(output).toBe('');
  }, 240_000);
});
