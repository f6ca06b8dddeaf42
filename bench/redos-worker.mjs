// Worker for redos.ts (plain JS: workers do not go through tsx): measures one pattern against adversarial inputs.
import { parentPort, workerData } from 'node:worker_threads';

const { source, flags, sizes } = workerData;

// Characters an attacker would pick: every literal character of the pattern,
// a representative of each escape class, and a character that matches nothing.
function alphabet(source) {
  const chars = new Set(['a', ' ', '\n', '0', '\u200b', '\u{E0041}', 'é', '\t', '<', '|', '=', '/']);
  for (const ch of source.replace(/\\[dDwWsSbBpPux]/g, ''))
    if (ch.trim() !== '' && !'()[]{}?*+^$|\\'.includes(ch)) chars.add(ch);
  return [...chars];
}

function attacks(source) {
  const a = alphabet(source);
  const out = [];
  for (const x of a) out.push((n) => x.repeat(n));
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = a[(i + 1) % a.length];
    out.push((n) => (x + y).repeat(Math.ceil(n / 2)).slice(0, n));
    out.push((n) => `${x.repeat(n - 1)}\u0000`); // long near-match, then a failing tail
  }
  return out;
}

function timeOnce(re, input) {
  const start = performance.now();
  re.lastIndex = 0;
  if (re.global || re.sticky) input.replace(re, '');
  else re.test(input);
  return performance.now() - start;
}

function best(re, input, runs = 3) {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) min = Math.min(min, timeOnce(re, input));
  return min;
}

let re;
try {
  re = new RegExp(source, flags);
} catch (e) {
  parentPort?.postMessage({ error: String(e) });
  process.exit(0);
}
// Pick the worst attack at 1 KB (cheap even for bad patterns), then measure it across sizes.
let worst = attacks(source)[0];
let worstT = -1;
for (const make of attacks(source)) {
  const t = best(re, make(1024), 1);
  if (t > worstT) {
    worstT = t;
    worst = make;
  }
}
parentPort?.postMessage({ times: sizes.map((n) => best(re, worst(n))) });
