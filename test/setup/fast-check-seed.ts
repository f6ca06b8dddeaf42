import fc from 'fast-check';

// Property tests draw a fresh seed on every local run, to keep finding new
// counterexamples. In CI (or with FC_SEED set) the seed is fixed, so a CI run
// is reproducible and a red run is a regression, not a draw; fast-check prints
// the seed and path of any failure, and FC_SEED=<seed> replays it locally.
const fixed = process.env['FC_SEED'] ?? (process.env['CI'] ? '20261202' : undefined);
if (fixed !== undefined) {
  const seed = Number(fixed);
  if (!Number.isSafeInteger(seed))
    throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(fixed)}`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
}
