/**
 * escape: this tree's `sanitize` against another commit's, in ONE process,
 * interleaved (old, new, strip, then again), so machine load hits all three
 * alike: on a shared machine, figures from two separate runs do not compare.
 * Clean ASCII prose (the fast path; issue 11: within 2× of a one-regex strip)
 * and the adversarial corpus of escape-adversarial.ts (issue 12), 1 MiB each.
 * Wall time (best of rounds after a ≥1 s warm-up) and CPU time of the process
 * (best of rounds; less sensitive to other jobs, includes GC threads).
 *
 *   git worktree add --detach /tmp/ctxpack-old <commit>   # + node_modules links, see README-escape.md
 *   cd bench && CTXPACK_OLD_ESCAPE=/tmp/ctxpack-old/packages/escape/src/index.ts \
 *     node --conditions=@ctxpack/source --import tsx escape-old-vs-new.ts
 */
import { performance } from 'node:perf_hooks';
import { sanitize } from '@ctxpack/escape';
import { ADVERSARIAL_UNIT, PROSE } from './escape-adversarial-corpus.js';

const oldPath = process.env['CTXPACK_OLD_ESCAPE'];
if (oldPath === undefined)
  throw new Error('set CTXPACK_OLD_ESCAPE to the other tree’s packages/escape/src/index.ts');
const old = (await import(oldPath)) as { sanitize: typeof sanitize };

const STRIP_ONE_REGEX =
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\u{E0000}-\u{E0FFF}]/gu;
function repeatTo(unit: string, bytes: number): string {
  return unit
    .repeat(Math.ceil(bytes / unit.length))
    .slice(0, bytes)
    .replace(/[\uD800-\uDBFF]$/, '');
}

function cpuMs(fn: () => unknown): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

const SIZE = 1 << 20;
for (const [corpus, text, rounds] of [
  ['clean ASCII prose', repeatTo(`${PROSE}\n`, SIZE), 30],
  ['adversarial', repeatTo(`${ADVERSARIAL_UNIT}\n`, SIZE), 6],
] as const) {
  const fns: Record<string, () => unknown> = {
    old: () => old.sanitize(text),
    new: () => sanitize(text),
    strip: () => text.replace(STRIP_ONE_REGEX, ''),
  };
  if (JSON.stringify(old.sanitize(text)) !== JSON.stringify(sanitize(text)))
    console.log(`note: old and new results differ on ${corpus}`);
  for (const fn of Object.values(fns)) {
    const t0 = performance.now();
    for (let runs = 0; runs < 3 || performance.now() - t0 < 1000; runs++) fn();
  }
  const wall: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(fns)) {
      const t = performance.now();
      cpu[name] = Math.min(cpu[name] ?? Number.POSITIVE_INFINITY, cpuMs(fn));
      wall[name] = Math.min(wall[name] ?? Number.POSITIVE_INFINITY, performance.now() - t);
    }
  }
  const mbps = (ms: number): string => (SIZE / 1e6 / (ms / 1000)).toFixed(1);
  console.log(
    `${corpus}: wall MB/s old ${mbps(wall['old']!)} new ${mbps(wall['new']!)} strip ${mbps(wall['strip']!)} · ` +
      `÷ strip old ${(wall['old']! / wall['strip']!).toFixed(2)}× new ${(wall['new']! / wall['strip']!).toFixed(2)}× · ` +
      `CPU MB/s old ${mbps(cpu['old']!)} new ${mbps(cpu['new']!)} (new ÷ old time ${(cpu['new']! / cpu['old']!).toFixed(2)})`,
  );
}
