import { decodeBase64Loose } from '@ctxpack/block/kernel';
import { CtxpackError, importPublicKey, type PublicKey, verifyPayload } from 'ctxpack';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { createPaint } from './cli-io.js';
import { expectPositionals, parseCommandArgs } from './parse-command-args.js';
import { readInput } from './read-input.js';
import { readPayload } from './read-payload.js';

export const VERIFY_HELP = `Usage: ctxpack verify <payload.json> --key <pub> [--key <pub>…] [options]

Verifies a payload as a gateway would: the signature over the exact envelope
bytes, the key, tenant and audience, the time window, the Merkle root over
the block headers and the request digest. Says which check failed and why.

Options:
  --key pub          trusted public key: a file written by 'ctxpack keygen'
                     (hex, base64url or a JWK) or the key itself; repeatable
  --tenant t         required tenant (default: the tenant the payload claims)
  --audience a       required audience (default: the audience it claims)
  --at time          check the time window at this RFC 3339 time (default: now)
  --threshold n      signatures required from distinct trusted keys (default 1)
  --json             print the result as JSON
  -h, --help         show this help

Exit status: 0 verified, 1 not verified, 2 usage or input error.
Replay is not checked here: a one-off command has no shared replay store.`;

/** `ctxpack verify`: fail-closed verification with the failed check named. */
export async function runVerify(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('verify', args, {
    key: { type: 'string', multiple: true },
    tenant: { type: 'string' },
    audience: { type: 'string' },
    at: { type: 'string' },
    threshold: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) {
    io.stdout.write(`${VERIFY_HELP}\n`);
    return 0;
  }
  expectPositionals('verify', positionals, ['payload.json']);
  const keyArgs = (values['key'] as string[] | undefined) ?? [];
  if (keyArgs.length === 0) {
    throw new CliError({
      code: 'cli_usage',
      message: "missing --key <pub>: pass the signer's public key (from 'ctxpack keygen').",
    });
  }
  const keys = await Promise.all(keyArgs.map((k) => loadPublicKey(io, k)));
  const file = positionals[0] as string;
  const payload = await readPayload(io, file, 'verify', ['request', 'envelope']);
  const claimed = claimedManifest(payload.envelope);
  const tenant = (values['tenant'] as string | undefined) ?? claimed?.tenant ?? payload.report?.tenant;
  const audience =
    (values['audience'] as string | undefined) ?? claimed?.audience ?? payload.report?.audience;
  if (typeof tenant !== 'string') {
    throw new CliError({ code: 'cli_usage', message: `${file} names no tenant; pass --tenant.` });
  }
  if (typeof audience !== 'string') {
    throw new CliError({ code: 'cli_usage', message: `${file} names no audience; pass --audience.` });
  }
  let now: Date | undefined;
  if (values['at'] !== undefined) {
    now = new Date(values['at'] as string);
    if (Number.isNaN(now.getTime())) {
      throw new CliError({
        code: 'cli_usage',
        message: `--at '${values['at']}' is not a time; use RFC 3339, e.g. 2026-01-01T12:00:00Z.`,
      });
    }
  }
  let threshold: number | undefined;
  if (values['threshold'] !== undefined) {
    threshold = Number(values['threshold']);
    if (!Number.isInteger(threshold) || threshold < 1) {
      throw new CliError({
        code: 'cli_usage',
        message: `--threshold '${values['threshold']}' must be a whole number ≥ 1.`,
      });
    }
  }
  const paint = createPaint(io);
  try {
    const verified = await verifyPayload(
      {
        request: payload.request,
        envelope: payload.envelope,
        ...(Array.isArray(payload.leaves) ? { leaves: payload.leaves } : {}),
      },
      {
        keys,
        tenant,
        audience,
        // One check of a stored payload, in a process that exits: there is no replay to refuse.
        replay: false,
        ...(now === undefined ? {} : { now }),
        ...(threshold === undefined ? {} : { threshold }),
      },
    );
    const m = verified.manifest;
    if (values['json'] === true) {
      io.stdout.write(
        `${JSON.stringify({ verified: true, manifest: m, keyIds: verified.keyIds }, null, 2)}\n`,
      );
    } else {
      io.stdout.write(
        `${paint('green', '✓ verified')} ${file}: tenant ${m.tenant}, audience ${m.audience}, ${m.treeSize} blocks, ` +
          `signed by ${verified.keyIds.join(', ')}, issued ${m.issuedAt}, expires ${m.expiresAt}\n`,
      );
      if (values['tenant'] === undefined)
        io.stdout.write('  (tenant taken from the payload; pass --tenant to require one)\n');
    }
    return 0;
  } catch (error) {
    if (!CtxpackError.isInstance(error)) throw error;
    if (values['json'] === true) {
      io.stdout.write(
        `${JSON.stringify({ verified: false, code: error.code, message: error.message }, null, 2)}\n`,
      );
    } else {
      io.stdout.write(`${paint('red', '✗ not verified')} ${file}: ${error.code} — ${error.message}\n`);
    }
    return 1;
  }
}

async function loadPublicKey(io: CliIo, arg: string): Promise<PublicKey> {
  let text = arg;
  const looksLikeKey = /^[0-9a-fA-F]{64}$/.test(arg) || /^[A-Za-z0-9_-]{43}$/.test(arg);
  if (!looksLikeKey) text = (await readInput(io, arg, 'verify')).trim();
  try {
    return importPublicKey(
      text.startsWith('{') ? (JSON.parse(text) as Parameters<typeof importPublicKey>[0]) : text,
    );
  } catch (cause) {
    const why = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new CliError({
      code: 'cli_input',
      message: `--key ${arg} is not an Ed25519 public key (${why}); pass the .pub file from 'ctxpack keygen'.`,
      cause,
    });
  }
}

/** The manifest the envelope claims, decoded without trusting it (for defaults and display only). */
function claimedManifest(envelope: unknown): { tenant?: string; audience?: string } | undefined {
  const payload = (envelope as { payload?: unknown } | null)?.payload;
  if (typeof payload !== 'string' || payload.length > 1_000_000) return undefined;
  // DSSE payloads are padded standard base64; any spelling is fine for display.
  const bytes = decodeBase64Loose(payload);
  if (bytes === undefined) return undefined;
  try {
    const json = new TextDecoder().decode(bytes);
    const value = JSON.parse(json) as { tenant?: unknown; audience?: unknown };
    return {
      ...(typeof value.tenant === 'string' ? { tenant: value.tenant } : {}),
      ...(typeof value.audience === 'string' ? { audience: value.audience } : {}),
    };
  } catch {
    return undefined;
  }
}
