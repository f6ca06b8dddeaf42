import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { targets } from './fuzz/targets.js';

// Every input the fuzzer ever crashed on (test/fuzz/corpus/<target>/crash-*)
// plus each target's seeds: replayed on every test run, so a fixed bug stays fixed.
const corpusDir = new URL('./fuzz/corpus/', import.meta.url).pathname;

describe('fuzz corpus replay', () => {
  for (const target of targets) {
    let files: string[] = [];
    try {
      files = readdirSync(join(corpusDir, target.name));
    } catch {
      files = [];
    }
    it(`${target.name}: seeds and ${files.length} crash file(s) pass`, async () => {
      const inputs = [
        ...target.seeds,
        ...files.map((f) => new Uint8Array(readFileSync(join(corpusDir, target.name, f)))),
      ];
      const failures: string[] = [];
      for (const [i, input] of inputs.entries()) {
        try {
          await target.run(input);
        } catch (error) {
          failures.push(`${files[i - target.seeds.length] ?? `seed ${i}`}: ${String(error).slice(0, 300)}`);
        }
      }
      expect(failures).toEqual([]);
    });
  }
});
