import { isDigest, isRecord, readOptions } from '@ctxpack/block/kernel';
import { invalidArgument } from './assert-input.js';
import { canonicalizeJson } from './canonicalize-json.js';
import { digestContent } from './digest-content.js';
import { ProvenanceError } from './provenance-error.js';

/** The `prev` of the first record of a log. */
export const AUDIT_GENESIS: string = `sha256:${'0'.repeat(64)}`;

/** Upper bound on one serialized audit line (UTF-16 code units), so a log stays scannable. */
export const MAX_AUDIT_LINE_CHARS: number = 16 * 1024 * 1024;

/** One audited event, before it is chained. Every field must be JSON data. */
export interface AuditRecord {
  /** RFC 3339 UTC time the record was made. */
  at: string;
  /** What happened, e.g. `assemble`, `verify`. */
  event: string;
  /** The signed manifest of the payload (or any JSON summary of it). */
  manifest?: unknown;
  /** A summary of sanitizer findings. */
  findings?: unknown;
  /** A summary of the budget report. */
  budget?: unknown;
  /** Block contents, only when the caller asks to log them. */
  content?: unknown;
}

/** A chained record as stored: the record plus the hash of its predecessor and its own hash. */
export interface ChainedAuditRecord extends AuditRecord {
  prev: string;
  hash: string;
}

/** Input of {@link createAuditRecord}. */
export interface AuditRecordInput {
  event?: string;
  manifest?: unknown;
  findings?: unknown;
  budget?: unknown;
  content?: unknown;
  now?: Date;
}

/**
 * Builds an audit record stamped with the current time; checks that every
 * field is JSON data (so the chain hash is well defined).
 *
 * @throws {ProvenanceError} `invalid_json_value` when a field is not JSON data.
 * @example
 * const record = createAuditRecord({ event: 'assemble', manifest, findings: { high: 1 } });
 */
export function createAuditRecord(input: AuditRecordInput): AuditRecord {
  if (!isRecord(input)) invalidArgument('input', 'an object', input);
  if (input.now !== undefined && (!(input.now instanceof Date) || Number.isNaN(input.now.getTime()))) {
    invalidArgument('input.now', 'a valid Date', input.now);
  }
  if (input.event !== undefined && typeof input.event !== 'string')
    invalidArgument('input.event', 'a string', input.event);
  const record: AuditRecord = {
    at: (input.now ?? new Date()).toISOString(),
    event: input.event ?? 'assemble',
  };
  if (input.manifest !== undefined) record.manifest = input.manifest;
  if (input.findings !== undefined) record.findings = input.findings;
  if (input.budget !== undefined) record.budget = input.budget;
  if (input.content !== undefined) record.content = input.content;
  canonicalizeJson(record);
  return record;
}

function chainHash(record: Record<string, unknown>, prev: string): string {
  const { hash: _ignored, ...body } = record;
  return digestContent(canonicalizeJson({ ...body, prev }));
}

/** A record ready to be chained: given the predecessor's hash, its line and its own hash. */
export type AuditLink = (prevHash: string) => { line: string; hash: string };

/** The members of a canonical object text, without its braces ('' for `{}`). */
const membersOf = (entries: [string, unknown][]): string =>
  canonicalizeJson(Object.fromEntries(entries)).slice(1, -1);

/**
 * Prepares `record` for chaining, once: the line {@link appendAuditRecord}
 * writes after any `prevHash`, and its hash, without serializing the record
 * again for each predecessor it is tried after (a writer that loses a race for
 * the head re-chains). The record is canonicalized once, in three runs of
 * members around `hash` and `prev`, which RFC 8785 orders by UTF-16 code
 * units as `<` does, so the two are spliced in at their places.
 *
 * @throws {ProvenanceError} `invalid_json_value` when a field is not JSON data; `invalid_audit_record` when its line would be over {@link MAX_AUDIT_LINE_CHARS}.
 * @example
 * const link = createAuditLink(createAuditRecord({ event: 'verify', manifest }));
 * const { line, hash } = link(AUDIT_GENESIS); // line === appendAuditRecord(AUDIT_GENESIS, record)
 */
export function createAuditLink(record: AuditRecord): AuditLink {
  if (!isRecord(record)) invalidArgument('record', 'an audit record object', record);
  const before: [string, unknown][] = [];
  const between: [string, unknown][] = [];
  const after: [string, unknown][] = [];
  for (const key of Object.keys(record)) {
    if (key === 'prev' || key === 'hash') continue;
    (key < 'hash' ? before : key < 'prev' ? between : after).push([
      key,
      (record as unknown as Record<string, unknown>)[key],
    ]);
  }
  const a = membersOf(before);
  const b = membersOf(between);
  const c = membersOf(after);
  const join = (...parts: string[]): string => `{${parts.filter((part) => part !== '').join(',')}}`;
  // The line's length does not depend on prev or hash (both 71-char digests): checked once, here.
  const length = join(a, `"hash":"${AUDIT_GENESIS}"`, b, `"prev":"${AUDIT_GENESIS}"`, c).length;
  if (length > MAX_AUDIT_LINE_CHARS) {
    throw new ProvenanceError({
      code: 'invalid_audit_record',
      message: `audit line is ${length} chars; the limit is ${MAX_AUDIT_LINE_CHARS} (leave content out)`,
      path: '(root)',
    });
  }
  return (prevHash: string) => {
    if (!isDigest(prevHash))
      invalidArgument('prevHash', 'a sha256: digest (64 lowercase hex digits)', prevHash);
    const prev = `"prev":"${prevHash}"`;
    const hash = digestContent(join(a, b, prev, c));
    return { line: join(a, `"hash":"${hash}"`, b, prev, c), hash };
  };
}

/**
 * Chains `record` after the record whose hash is `prevHash` (use
 * {@link AUDIT_GENESIS} for the first) and returns the JSON line to store:
 * the RFC 8785 canonical form of the record plus `prev` and
 * `hash` = sha256(JCS(record + prev)). Read the new head back with
 * {@link auditLineHash}.
 *
 * @example
 * const line = appendAuditRecord(AUDIT_GENESIS, createAuditRecord({ manifest }));
 */
export function appendAuditRecord(prevHash: string, record: AuditRecord): string {
  return createAuditLink(record)(prevHash).line;
}

/** The `hash` field of a line produced by {@link appendAuditRecord}: the next record's `prev`. */
export function auditLineHash(line: string): string {
  if (typeof line !== 'string' || line.length > MAX_AUDIT_LINE_CHARS)
    invalidArgument('line', 'an audit line', line);
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (cause) {
    throw new ProvenanceError({
      code: 'invalid_audit_record',
      message: 'line is not JSON',
      path: 'line',
      cause,
    });
  }
  if (!isRecord(parsed)) {
    throw new ProvenanceError({
      code: 'invalid_audit_record',
      message: 'line is not a JSON object',
      path: 'line',
    });
  }
  if (!isDigest(parsed.hash)) {
    throw new ProvenanceError({
      code: 'invalid_audit_record',
      message: 'line has no valid hash',
      path: 'hash',
    });
  }
  return parsed.hash;
}

/** Result of {@link verifyAuditLog}. */
export type AuditVerification =
  | { ok: true; count: number; head: string }
  | { ok: false; index: number; reason: string };

function checkLine(line: unknown, expectedPrev: string): { hash: string } | { reason: string } {
  if (typeof line !== 'string') return { reason: 'not a string' };
  if (line.length > MAX_AUDIT_LINE_CHARS) return { reason: `line longer than ${MAX_AUDIT_LINE_CHARS} chars` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { reason: 'not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { reason: 'not a JSON object' };
  const record = parsed as Record<string, unknown>;
  const { prev, hash } = record;
  if (typeof prev !== 'string' || typeof hash !== 'string') return { reason: 'missing prev or hash' };
  let canonical: string;
  try {
    canonical = canonicalizeJson(record);
  } catch {
    return { reason: 'not canonical JSON' };
  }
  // Only the canonical form is hashed, so any other spelling is an edit.
  if (canonical !== line) return { reason: 'not in canonical (RFC 8785) form' };
  if (prev !== expectedPrev)
    return { reason: `prev does not match the hash of the record before (dropped or reordered)` };
  if (chainHash(record, prev) !== hash) return { reason: 'hash does not match the record (edited)' };
  return { hash };
}

/**
 * Checks a hash-chained audit log and reports the first record that was
 * edited, dropped, inserted or reordered. A single trailing empty line (from
 * splitting a file that ends in a newline) is ignored. Pass `head` — the last
 * hash you recorded elsewhere — to also detect records cut off the end.
 *
 * @example
 * const result = verifyAuditLog(text.split('\n'));
 * if (!result.ok) console.error(`record ${result.index}: ${result.reason}`);
 */
export function verifyAuditLog(lines: readonly string[], options: { head?: string } = {}): AuditVerification {
  if (!Array.isArray(lines)) invalidArgument('lines', 'an array of lines', lines);
  const { head } = readOptions(options, 'options');
  const count = lines.length > 0 && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
  let prev = AUDIT_GENESIS;
  for (let index = 0; index < count; index++) {
    const result = checkLine(lines[index] as string, prev);
    if ('reason' in result) return { ok: false, index, reason: result.reason };
    prev = result.hash;
  }
  if (head !== undefined && head !== prev) {
    return { ok: false, index: count, reason: 'log ends before the expected head (records cut off the end)' };
  }
  return { ok: true, count, head: prev };
}

/** Where an audit log writes its lines: a file, a queue, a database. */
export interface AuditSink {
  /** Stores one line (no trailing newline). Appends are awaited one at a time, in order. */
  write(line: string): void | Promise<void>;
}

/** An appendable, hash-chained audit log over an injected sink. */
export interface AuditLog {
  /** Chains and writes a record; resolves to the written line. */
  append(record: AuditRecord): Promise<string>;
  /** Hash of the last record appended (the genesis hash before any). */
  head(): string;
}

/**
 * Creates an audit log that writes JSON lines to `sink`. Appends are
 * serialized, so concurrent callers still form one chain. Pass `head` to
 * continue an existing log (the hash of its last line).
 *
 * @example
 * const log = createAuditLog({ write: (line) => appendFile('audit.jsonl', `${line}\n`) });
 * await log.append(createAuditRecord({ event: 'assemble', manifest }));
 */
export function createAuditLog(sink: AuditSink & { head?: string }): AuditLog {
  if (!isRecord(sink) || typeof sink['write'] !== 'function')
    invalidArgument('sink', '{ write(line) }', sink);
  if (sink.head !== undefined && !isDigest(sink.head)) {
    invalidArgument('sink.head', 'a sha256: digest', sink.head);
  }
  const write = sink.write.bind(sink);
  let head = sink.head ?? AUDIT_GENESIS;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    append(record: AuditRecord): Promise<string> {
      const run = queue.then(async () => {
        const line = appendAuditRecord(head, record);
        await write(line);
        head = auditLineHash(line);
        return line;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    head: (): string => head,
  };
}
