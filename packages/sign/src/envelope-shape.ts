import { decodeBase64, isRecord } from '@ctxpack/block/kernel';
import { canonicalizeJson } from '@ctxpack/provenance';
import type { EnvelopeSignature } from './check-signatures.js';
import type { Manifest } from './manifest.js';
import { MANIFEST_PAYLOAD_TYPE, manifestProblem } from './manifest.js';
import { MAX_SIGNATURES } from './sign-manifest.js';
import { VerificationError } from './verification-error.js';

/** Largest decoded manifest payload accepted, in bytes. */
export const MAX_PAYLOAD_BYTES: number = 64 * 1024;

function malformed(message: string, path?: string, cause?: unknown): never {
  throw new VerificationError(
    path === undefined
      ? { code: 'malformed_envelope', message, cause }
      : { code: 'malformed_envelope', message, path, cause },
  );
}

/** An envelope as received, its fields checked and decoded; nothing in it is trusted yet. */
export interface ParsedEnvelope {
  payloadType: string;
  payload: Uint8Array;
  signatures: EnvelopeSignature[];
}

function parseSignature(s: unknown, path: string): EnvelopeSignature {
  if (!isRecord(s)) malformed('signature must be an object', path);
  for (const key of Object.keys(s)) {
    if (key !== 'keyid' && key !== 'sig') malformed('unknown field', `${path}.${key.slice(0, 80)}`);
  }
  const keyid = s['keyid'];
  if (keyid !== undefined && (typeof keyid !== 'string' || keyid.length === 0 || keyid.length > 256))
    malformed('keyid must be a string of 1–256 chars', `${path}.keyid`);
  const text = s['sig'];
  const sig = typeof text === 'string' && text.length === 88 ? decodeBase64(text) : undefined;
  if (sig === undefined || sig.length !== 64)
    malformed('sig must be 64 bytes of canonical base64', `${path}.sig`);
  return { keyid, sig };
}

/** The DSSE envelope's shape: exact fields, the manifest payloadType, canonical base64, 1–16 signatures. */
export function parseEnvelopeShape(envelope: unknown): ParsedEnvelope {
  if (!isRecord(envelope)) malformed('envelope must be an object');
  for (const key of Object.keys(envelope)) {
    if (key !== 'payloadType' && key !== 'payload' && key !== 'signatures')
      malformed('unknown field', key.slice(0, 80));
  }
  if (envelope['payloadType'] !== MANIFEST_PAYLOAD_TYPE) {
    malformed(`payloadType must be ${MANIFEST_PAYLOAD_TYPE}`, 'payloadType');
  }
  const payloadText = envelope['payload'];
  if (typeof payloadText !== 'string' || payloadText.length > (MAX_PAYLOAD_BYTES * 4) / 3 + 4) {
    malformed(`payload must be a base64 string of at most ${MAX_PAYLOAD_BYTES} bytes`, 'payload');
  }
  const payload = decodeBase64(payloadText);
  if (payload === undefined) malformed('payload is not canonical, padded standard base64', 'payload');
  const sigs = envelope['signatures'];
  if (!Array.isArray(sigs) || sigs.length === 0 || sigs.length > MAX_SIGNATURES) {
    malformed(`signatures must be an array of 1–${MAX_SIGNATURES}`, 'signatures');
  }
  const signatures: EnvelopeSignature[] = [];
  for (let i = 0; i < sigs.length; i++) signatures.push(parseSignature(sigs[i], `signatures[${i}]`));
  return { payloadType: MANIFEST_PAYLOAD_TYPE, payload, signatures };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The signed payload as a manifest: strict UTF-8, JSON, a valid manifest, and
 * byte-identical to its own RFC 8785 form, so no duplicate key, number or
 * escape variant can be read differently by another JSON parser.
 */
export function parseManifest(payload: Uint8Array): Manifest {
  let value: unknown;
  let text: string;
  try {
    text = utf8.decode(payload);
    value = JSON.parse(text);
  } catch (cause) {
    malformed('payload is not UTF-8 JSON', 'payload', cause);
  }
  const problem = manifestProblem(value);
  if (problem !== undefined) malformed(`manifest ${problem.why}`, `payload.${problem.path}`);
  if (canonicalizeJson(value) !== text) malformed('manifest is not RFC 8785 canonical JSON', 'payload');
  return value as Manifest;
}
