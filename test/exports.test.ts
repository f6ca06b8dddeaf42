import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The public surface is deliberate: every entry point of every published
// package (its exports map: the main entry and each subpath) is imported, and
// its sorted runtime export names are compared with test/exports.json. A new,
// renamed or removed export fails here until the list is updated on purpose:
// `pnpm test:exports -u`, then review and commit the diff (CONTRIBUTING.md).
// Types have no runtime name; the type tests and READMEs cover them.

const root = fileURLToPath(new URL('..', import.meta.url));

interface Manifest {
  name: string;
  private?: boolean;
  exports?: Record<string, unknown>;
}

function entryPoints(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(join(root, 'packages'), { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    let manifest: Manifest;
    try {
      manifest = JSON.parse(
        readFileSync(join(root, 'packages', dir.name, 'package.json'), 'utf8'),
      ) as Manifest;
    } catch {
      continue;
    }
    if (manifest.private === true) continue;
    for (const key of Object.keys(manifest.exports ?? { '.': null })) {
      if (key === './package.json' || key.includes('*')) continue;
      out.push(key === '.' ? manifest.name : `${manifest.name}${key.slice(1)}`);
    }
  }
  return out.sort();
}

const entries = entryPoints();
const modules = new Map<string, Record<string, unknown>>();
for (const entry of entries) modules.set(entry, (await import(entry)) as Record<string, unknown>);

describe('public exports', () => {
  it('every entry point exports exactly the committed names', async () => {
    const names: Record<string, string[]> = {};
    for (const [entry, mod] of modules) names[entry] = Object.keys(mod).sort();
    await expect(`${JSON.stringify(names, null, 2)}\n`).toMatchFileSnapshot('./exports.json');
  });

  it('a name exported by two entry points is one value (a re-export), never two meanings', () => {
    const owner = new Map<string, { entry: string; value: unknown }>();
    const clashes: string[] = [];
    for (const [entry, mod] of modules) {
      for (const [name, value] of Object.entries(mod)) {
        const seen = owner.get(name);
        if (seen === undefined) owner.set(name, { entry, value });
        else if (seen.value !== value) clashes.push(`${name}: ${seen.entry} and ${entry}`);
      }
    }
    expect(clashes).toEqual([]);
  });
});
