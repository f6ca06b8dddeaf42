/**
 * Browser bundle weight of four uses of ctxpack, built with esbuild
 * (minified, platform browser, ESM, code splitting so dynamic imports become
 * their own chunks): scan only, verify only, assemble with o200k_base, and
 * everything ctxpack exports. A use's size is the sum of the chunks a page
 * loads for it: the entry chunk, the chunks it imports statically, and the
 * dynamically imported chunks that use reaches at run time (for assemble, the
 * o200k_base rank table; never cl100k_base), each with its static imports.
 * Gzip is level 9, per chunk (each chunk is fetched on its own).
 * Sources are bundled through the `@ctxpack/source` condition (no build needed).
 * Run: cd bench && node --conditions=@ctxpack/source --import tsx bundle-size.ts [--json <file>]
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build, version as esbuildVersion, type Metafile, type Plugin } from 'esbuild';

interface Use {
  name: string;
  source: string;
  /** Inputs whose dynamic chunk this use loads at run time (all dynamic chunks when `'all'`). */
  loads: readonly RegExp[] | 'all';
}

const USES: readonly Use[] = [
  {
    name: 'scan only',
    source: `import { scan } from 'ctxpack';\nexport const run = (text) => scan(text);`,
    loads: [],
  },
  {
    name: 'verify only',
    source: `import { verifyPayload } from 'ctxpack';\nexport const run = (input, options) => verifyPayload(input, options);`,
    loads: [],
  },
  {
    name: 'assemble (o200k_base)',
    source: [
      `import { createContext } from 'ctxpack';`,
      `export async function run(signer, text) {`,
      `  const ctx = createContext({ tenant: 'acme', signer, encoding: 'o200k_base' });`,
      `  ctx.user(text);`,
      `  return ctx.assemble({ target: 'openai-chat', maxTokens: 8000 });`,
      `}`,
    ].join('\n'),
    loads: [/o200k/],
  },
  { name: 'everything', source: `export * from 'ctxpack';`, loads: 'all' },
];

/** Rank tables a chunk may hold, by the input module that carries them. */
const TABLES: readonly (readonly [string, RegExp])[] = [
  ['o200k_base', /ranks\/o200k_base/],
  ['cl100k_base', /ranks\/cl100k_base/],
  ['llama3', /tokenizer-llama3\/models\/tokenizer\.json/],
  ['tekken', /tekken-240718\.json/],
];

const benchDir = new URL('.', import.meta.url).pathname;

/** Serves `entry:<index>` as a module resolved from the bench directory, where the workspace packages are linked. */
const virtualEntries: Plugin = {
  name: 'virtual-entries',
  setup(b) {
    b.onResolve({ filter: /^entry:/ }, (args) => ({ path: args.path, namespace: 'entry' }));
    b.onLoad({ filter: /.*/, namespace: 'entry' }, (args) => {
      const use = USES[Number(args.path.slice('entry:'.length))] as Use;
      return { contents: use.source, loader: 'js', resolveDir: benchDir };
    });
  },
};

interface Row {
  use: string;
  chunks: number;
  bytes: number;
  gzipBytes: number;
  tables: string[];
}

async function measure(index: number): Promise<Row> {
  const use = USES[index] as Use;
  const result = await build({
    entryPoints: [`entry:${index}`],
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@ctxpack/source'],
    outdir: '/virtual-out',
    write: false,
    metafile: true,
    logLevel: 'error',
    plugins: [virtualEntries],
  });
  const meta = result.metafile as Metafile;
  const sizes = new Map<string, { bytes: number; gzipBytes: number }>();
  for (const file of result.outputFiles) {
    if (!file.path.endsWith('.js')) continue;
    const key = file.path.slice(file.path.indexOf('virtual-out/'));
    sizes.set(key, { bytes: file.contents.length, gzipBytes: gzipSync(file.contents, { level: 9 }).length });
  }
  const outputs = Object.entries(meta.outputs).filter(([path]) => path.endsWith('.js'));
  const outputOf = (path: string) => meta.outputs[path] as Metafile['outputs'][string];
  const entry = outputs.find(([, o]) => o.entryPoint?.includes('entry:'))?.[0];
  if (entry === undefined) throw new Error(`no entry chunk for ${use.name}`);

  // The chunks a page loads: static closure of the entry, plus each reached dynamic chunk the use needs.
  const loaded = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const path = pending.pop() as string;
    if (loaded.has(path)) continue;
    loaded.add(path);
    for (const edge of outputOf(path).imports) {
      if (edge.external) continue;
      if (edge.kind === 'import-statement') pending.push(edge.path);
      else if (edge.kind === 'dynamic-import') {
        const inputs = Object.keys(outputOf(edge.path).inputs);
        const { loads } = use;
        if (loads === 'all' || loads.some((re) => inputs.some((i) => re.test(i)))) pending.push(edge.path);
      }
    }
  }
  let bytes = 0;
  let gzipBytes = 0;
  const tables = new Set<string>();
  for (const path of loaded) {
    const size = sizes.get(path.slice(path.indexOf('virtual-out/')));
    if (size === undefined) throw new Error(`no output file for ${path}`);
    bytes += size.bytes;
    gzipBytes += size.gzipBytes;
    for (const input of Object.keys(outputOf(path).inputs)) {
      for (const [table, re] of TABLES) if (re.test(input)) tables.add(table);
    }
  }
  return { use: use.name, chunks: loaded.size, bytes, gzipBytes, tables: [...tables].sort() };
}

const rows: Row[] = [];
for (let i = 0; i < USES.length; i++) rows.push(await measure(i));

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
console.log('| use | chunks loaded | minified | minified + gzip | rank tables loaded |');
console.log('|---|---:|---:|---:|---|');
for (const r of rows) {
  console.log(
    `| ${r.use} | ${r.chunks} | ${kb(r.bytes)} | ${kb(r.gzipBytes)} | ${r.tables.join(', ') || 'none'} |`,
  );
}
const jsonAt = process.argv.indexOf('--json');
const out = jsonAt >= 0 ? (process.argv[jsonAt + 1] as string) : 'results/bundle-size.json';
writeFileSync(out, `${JSON.stringify({ esbuild: esbuildVersion, gzipLevel: 9, rows }, null, 2)}\n`);
