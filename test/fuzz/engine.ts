// A small coverage-guided fuzzer (AFL-style corpus evolution) driven by V8's
// precise block coverage through the inspector. It exists because Jazzer.js
// 4's prebuilt libFuzzer addon needs glibc 2.38 and this project's machines
// (Debian 12) have 2.36; building it from source needs toolchain downloads.
//
// Loop: pick a corpus entry, mutate it, run the target, take precise coverage
// (which also resets the counters), and keep the input when it reaches a code
// block — in packages/*/src only — that no earlier input reached. A target
// signals a bug by throwing `FuzzBug`; any other exception it lets escape is a
// bug too (targets catch the typed errors they expect).
import { createHash } from 'node:crypto';
import { Session } from 'node:inspector/promises';

export class FuzzBug extends Error {}

export interface FuzzTarget {
  name: string;
  /** Seeds to start from. */
  seeds: Uint8Array[];
  /** Tokens the mutator splices in (attack alphabet, syntax). */
  dictionary: string[];
  run(data: Uint8Array): void | Promise<void>;
}

export interface FuzzStats {
  target: string;
  executions: number;
  seconds: number;
  corpus: number;
  blocks: number;
  crashes: { input: Uint8Array; message: string }[];
}

const enc = new TextEncoder();

export function sha(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

/** xorshift32: reproducible runs from a seed. */
function createRng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return n <= 0 ? 0 : x % n;
  };
}

const MAX_INPUT = 64 * 1024;

function mutate(
  input: Uint8Array,
  corpus: Uint8Array[],
  dict: Uint8Array[],
  rnd: (n: number) => number,
): Uint8Array {
  let out: Uint8Array = input.slice();
  const rounds = 1 + rnd(4);
  for (let r = 0; r < rounds; r++) {
    const at = rnd(out.length + 1);
    switch (rnd(9)) {
      case 0: // flip a bit
        if (out.length > 0) out[rnd(out.length)]! ^= 1 << rnd(8);
        break;
      case 1: // random byte
        if (out.length > 0) out[rnd(out.length)] = rnd(256);
        break;
      case 2: // delete a range
        out = concat(out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + rnd(16))));
        break;
      case 3: // insert a dictionary token
      case 4: {
        const token = dict[rnd(dict.length)] ?? new Uint8Array();
        out = concat(out.subarray(0, at), token, out.subarray(at));
        break;
      }
      case 5: {
        // splice with another corpus entry
        const other = corpus[rnd(corpus.length)] ?? out;
        const from = rnd(other.length + 1);
        out = concat(out.subarray(0, at), other.subarray(from, from + 1 + rnd(64)));
        break;
      }
      case 6: {
        // repeat a chunk (long runs find super-linear paths)
        const len = 1 + rnd(8);
        const chunk = out.subarray(at, at + len);
        const times = 1 + rnd(64);
        const parts = [out.subarray(0, at)];
        for (let i = 0; i < times; i++) parts.push(chunk);
        parts.push(out.subarray(at));
        out = concat(...parts);
        break;
      }
      case 7: // random UTF-8 of an interesting code point
        out = concat(
          out.subarray(0, at),
          enc.encode(String.fromCodePoint(pickCodePoint(rnd))),
          out.subarray(at),
        );
        break;
      default: // truncate
        out = out.subarray(0, at);
    }
  }
  return out.length > MAX_INPUT ? out.subarray(0, MAX_INPUT) : out;
}

const ranges: [number, number][] = [
  [0x00, 0x7f],
  [0x80, 0x9f],
  [0x200b, 0x206f],
  [0xfe00, 0xfe0f],
  [0xe0000, 0xe007f],
  [0xe0100, 0xe01ef],
  [0x0300, 0x036f],
  [0x0600, 0x06ff],
  [0x1f300, 0x1faff],
  [0xd800, 0xdfff],
  [0xff00, 0xffef],
  [0x0400, 0x04ff],
];
function pickCodePoint(rnd: (n: number) => number): number {
  const [lo, hi] = ranges[rnd(ranges.length)] as [number, number];
  return lo + rnd(hi - lo + 1);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export async function fuzz(
  target: FuzzTarget,
  options: { seconds: number; seed?: number; corpus?: Uint8Array[]; maxExecutions?: number },
): Promise<FuzzStats> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  const seen = new Set<string>();
  // Our sources, plus zod's: parsePayload's paths are mostly inside zod.
  const isOurs = (url: string) => /\/packages\/[^/]+\/src\/|\/node_modules\/zod\//.test(url);

  const newBlocks = async (): Promise<number> => {
    const { result } = await session.post('Profiler.takePreciseCoverage');
    let fresh = 0;
    for (const script of result) {
      if (!isOurs(script.url)) continue;
      for (const fn of script.functions) {
        for (const r of fn.ranges) {
          if (r.count === 0) continue;
          const key = `${script.url}:${r.startOffset}:${r.endOffset}`;
          if (!seen.has(key)) {
            seen.add(key);
            fresh++;
          }
        }
      }
    }
    return fresh;
  };

  const rnd = createRng(options.seed ?? Date.now());
  const dict = target.dictionary.map((t) => enc.encode(t));
  const corpus: Uint8Array[] = [];
  const crashes: FuzzStats['crashes'] = [];
  const crashed = new Set<string>();
  let executions = 0;

  const exec = async (input: Uint8Array): Promise<boolean> => {
    executions++;
    try {
      await target.run(input);
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const key = message.slice(0, 120);
      if (!crashed.has(key)) {
        crashed.add(key);
        crashes.push({ input, message });
      }
    }
    return (await newBlocks()) > 0;
  };

  for (const s of [...target.seeds, ...(options.corpus ?? [])]) {
    await exec(s);
    corpus.push(s);
  }
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  // With a seed and an execution cap the run is reproducible: the targets are
  // deterministic, and so are mutation and corpus selection.
  const cap = options.maxExecutions ?? Number.POSITIVE_INFINITY;
  while (performance.now() < deadline && executions < cap) {
    const parent = corpus[rnd(corpus.length)] ?? new Uint8Array();
    const child = mutate(parent, corpus, dict, rnd);
    if (await exec(child)) corpus.push(child);
  }
  await session.post('Profiler.stopPreciseCoverage');
  session.disconnect();
  return {
    target: target.name,
    executions,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    corpus: corpus.length,
    blocks: seen.size,
    crashes,
  };
}
