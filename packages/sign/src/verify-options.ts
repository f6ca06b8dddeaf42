import { InvalidArgumentError } from '@ctxpack/block';
import { assertOneOf, isRecord } from '@ctxpack/block/kernel';
import { readDate } from './assert-input.js';
import type { Ed25519Path } from './ed25519-native.js';
import type { Keyring, PublicKeyInput } from './keyring.js';
import { toKeyring } from './keyring.js';
import type { NativeCrypto } from './native-crypto.js';
import { readNativeCrypto } from './native-crypto.js';
import type { ReplayStore } from './replay-store.js';
import { MAX_SIGNATURES } from './sign-manifest.js';

/** Options of {@link verifyEnvelope}. `audience` and `replay` are required: verification is fail-closed. */
export interface VerifyEnvelopeOptions {
  /** The trusted keys: a keyring, or public keys (all active, for every tenant). */
  keys: Keyring | readonly PublicKeyInput[];
  /** The tenant the verifier serves; the manifest must name it. */
  tenant: string;
  /** The audience the verifier is (e.g. `gateway`); the manifest must name it. Required. */
  audience: string;
  /**
   * Where nonces are claimed, last, once every other check has passed: a
   * store (createMemoryReplayStore, @ctxpack/replay-redis), or `false` to
   * accept the same envelope any number of times. `false` is unsafe: use it
   * only where replay cannot matter (an offline audit of a stored payload).
   */
  replay: ReplayStore | false;
  now?: Date;
  /** Clock skew tolerated on both ends of the validity window, in seconds (default 60, max 3600). */
  skewSeconds?: number;
  /** How many distinct trusted keys must have signed (default 1). */
  threshold?: number;
  /**
   * Trusted producer keys (plugin hosts, MCP gateways): every given leaf that
   * carries a producer signature must verify under one of them.
   */
  producerKeys?: Keyring | readonly PublicKeyInput[];
  /** With `producerKeys`: every given (non-redacted) leaf must carry a producer signature. */
  requireProducer?: boolean;
  /** How `contents` are hashed: `auto` (default) uses native SHA-256 for large contents when the runtime has it. */
  hash?: 'auto' | 'noble' | 'native';
  /**
   * Which Ed25519 implementation checks signatures: `auto` (default) WebCrypto
   * where the runtime has it, else noble; `native` or `noble` to force one.
   * Outcomes are the same on every path (the pinned rule set).
   */
  ed25519?: Ed25519Path;
  /**
   * Synchronous native SHA-256 and Ed25519 from the host, used in place of
   * WebCrypto by `auto` and `native` (in Node: `createNodeCrypto()` from
   * `@ctxpack/gateway/node`). Same outcomes, less time (see {@link NativeCrypto}).
   */
  native?: NativeCrypto;
}

/** Options after checking, with defaults applied; times in epoch ms. */
export interface ResolvedVerifyOptions {
  keyring: Keyring;
  tenant: string;
  audience: string;
  replay: ReplayStore | false;
  now: number;
  skewMs: number;
  threshold: number;
  producerKeys: Keyring | undefined;
  requireProducer: boolean;
  hash: 'auto' | 'noble' | 'native';
  ed25519: Ed25519Path;
  native: NativeCrypto | undefined;
}

function requireName(value: unknown, path: string, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new InvalidArgumentError({ path, expected: `${what} (a string of 1–256 chars)`, value });
  }
  return value;
}

function readReplay(value: unknown, path: string): ReplayStore | false {
  if (value === false) return false;
  if (isRecord(value) && typeof value['claim'] === 'function') return value as unknown as ReplayStore;
  throw new InvalidArgumentError({
    path,
    expected:
      'a ReplayStore (e.g. createMemoryReplayStore()), or false to opt out of replay protection (unsafe)',
    value,
  });
}

/**
 * Checks every verifier option before any work on the envelope: a wrong or
 * missing option is the caller's mistake and reads as `invalid_argument`,
 * never as a verification code (those describe what the envelope did).
 */
export function resolveVerifyOptions(options: unknown, path = 'options'): ResolvedVerifyOptions {
  if (!isRecord(options))
    throw new InvalidArgumentError({ path, expected: 'a verifier options object', value: options });
  const tenant = requireName(options['tenant'], `${path}.tenant`, 'the tenant this verifier serves');
  const audience = requireName(options['audience'], `${path}.audience`, 'the audience this verifier is');
  const replay = readReplay(options['replay'], `${path}.replay`);
  const keyring = toKeyring(options['keys'], `${path}.keys`);
  const now = options['now'] === undefined ? Date.now() : readDate(options['now'], `${path}.now`);
  const skew = options['skewSeconds'] ?? 60;
  if (typeof skew !== 'number' || !Number.isFinite(skew) || skew < 0 || skew > 3600) {
    throw new InvalidArgumentError({
      path: `${path}.skewSeconds`,
      expected: 'a number of seconds from 0 to 3600',
      value: skew,
    });
  }
  const threshold = options['threshold'] ?? 1;
  if (
    typeof threshold !== 'number' ||
    !Number.isSafeInteger(threshold) ||
    threshold < 1 ||
    threshold > MAX_SIGNATURES
  ) {
    throw new InvalidArgumentError({
      path: `${path}.threshold`,
      expected: `an integer from 1 to ${MAX_SIGNATURES}`,
      value: threshold,
    });
  }
  const producerKeys =
    options['producerKeys'] === undefined
      ? undefined
      : toKeyring(options['producerKeys'], `${path}.producerKeys`);
  const requireProducer = options['requireProducer'] ?? false;
  if (typeof requireProducer !== 'boolean') {
    throw new InvalidArgumentError({
      path: `${path}.requireProducer`,
      expected: 'a boolean',
      value: requireProducer,
    });
  }
  if (requireProducer && producerKeys === undefined) {
    throw new InvalidArgumentError({
      path: `${path}.producerKeys`,
      expected: 'the trusted producer keys (requireProducer is set)',
      value: undefined,
    });
  }
  const hash = options['hash'] ?? 'auto';
  assertOneOf(hash, `${path}.hash`, ['auto', 'noble', 'native']);
  const ed25519 = options['ed25519'] ?? 'auto';
  assertOneOf(ed25519, `${path}.ed25519`, ['auto', 'native', 'noble']);
  const native = readNativeCrypto(options['native'], `${path}.native`);
  return {
    keyring,
    tenant,
    audience,
    replay,
    now,
    skewMs: Math.ceil(skew * 1000),
    threshold,
    producerKeys,
    requireProducer,
    hash,
    ed25519,
    native,
  };
}
