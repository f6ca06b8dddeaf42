import { readFileSync } from 'node:fs';

/**
 * The `version` of @ctxpack/cli's package.json, so `ctxpack --version` can
 * never disagree with what was installed. The package root is `..` from both
 * `src/` and `dist/`, so one relative URL serves the source and the build.
 */
export function readCliVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  const { version } = JSON.parse(text) as { version?: unknown };
  if (typeof version !== 'string') throw new Error('@ctxpack/cli package.json has no version');
  return version;
}
