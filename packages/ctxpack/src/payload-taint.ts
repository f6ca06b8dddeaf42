import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';
import { DATAMARK } from '@ctxpack/serialize';
import { decodeBase64Run } from './find-taint.js';
import { findUrls } from './find-urls.js';
import type { Payload } from './payload.js';
import type { ByteIndex } from './taint-index.js';
import { createByteIndex } from './taint-index.js';
import { trimTrailing } from './trim-trailing.js';

/** Labels whose blocks taint what copies them, like untrusted data does. */
export const TAINT_LABELS: readonly string[] = Object.freeze(['pii', 'secret', 'confidential']);
/** Most bytes of tainted content indexed per payload (the rest is reported, not silently skipped). */
export const MAX_TAINT_BYTES: number = 8 * 1024 * 1024;

/** What the output checks know about one payload, derived once from its request, source map and report. */
export interface PayloadTaint {
  /** Ids of the tainted blocks; `taint.find` returns an index into this list. */
  taintedIds: string[];
  taint: ByteIndex;
  /** Per tainted source: true when its block is secret-bearing or labelled (`pii`…), not only untrusted. */
  sensitive: boolean[];
  /** Windows of text the user or the application wrote (system, instructions, user blocks that are not tainted). */
  vouched: ByteIndex;
  /** The system and instructions text, for leak runs. */
  system: ByteIndex;
  systemIds: string[];
  /** The boundary notice (preamble), for leak runs. */
  notice: ByteIndex;
  /** The live boundary nonce, if the request has one. */
  nonce: string | undefined;
  /** URLs that occur verbatim in tainted blocks: citing one carries nothing new. */
  copiedUrls: ReadonlySet<string>;
  /** Tool names the request offers, or `undefined` when it offers none. */
  toolNames: ReadonlySet<string> | undefined;
  /** True when some kept block is untrusted. */
  hasUntrusted: boolean;
}

const cache = new WeakMap<object, PayloadTaint>();
const encoder = new TextEncoder();
const utf8 = new TextDecoder();

/**
 * The payload's taint, computed on first use and cached per payload object:
 * checking many answers (or a stream) against one payload indexes it once.
 */
export function payloadTaint(payload: Payload, path = 'options.payload'): PayloadTaint {
  const cached = cache.get(payload);
  if (cached !== undefined) return cached;
  const result = derive(payload, path);
  cache.set(payload, result);
  return result;
}

interface BlockInfo {
  id: string;
  kind: string;
  trust: string;
  labels: readonly string[];
  secret: boolean;
}

function derive(payload: Payload, path: string): PayloadTaint {
  const record = payload as unknown;
  if (!isRecord(record) || !isRecord(record['request']) || !Array.isArray(record['sourceMap'])) {
    throw new InvalidArgumentError({
      path,
      expected: 'a ctxpack Payload (request, sourceMap, report)',
      value: payload,
    });
  }
  const report = record['report'];
  if (!isRecord(report) || !Array.isArray(report['blocks'])) {
    throw new InvalidArgumentError({
      path: `${path}.report.blocks`,
      expected: 'an array of block reports',
      value: report,
    });
  }
  const request = record['request'] as Record<string, unknown>;
  const blocks = blockInfo(
    report['blocks'] as unknown[],
    Array.isArray(record['leaves']) ? record['leaves'] : [],
  );
  const texts = new Map<string, string[]>();
  let nonce: string | undefined;
  for (const entry of record['sourceMap'] as unknown[]) {
    if (!isRecord(entry) || !Array.isArray(entry['ranges'])) continue;
    for (const range of entry['ranges'] as unknown[]) {
      if (!isRecord(range) || typeof range['blockId'] !== 'string' || typeof range['path'] !== 'string')
        continue;
      const start = range['start'];
      const end = range['end'];
      if (typeof start !== 'number' || typeof end !== 'number') continue;
      const host = stringAt(request, range['path']);
      if (host === undefined) {
        // Anthropic `tool_use.input` and AI SDK `tool-call.input` are objects: the range
        // indexes the arguments string they were parsed from, so the whole JSON is the text.
        const input = valueAt(request, range['path']);
        if (isRecord(input)) {
          const list = texts.get(range['blockId']) ?? [];
          list.push(JSON.stringify(input));
          texts.set(range['blockId'], list);
        }
        continue;
      }
      const tagStart = host.lastIndexOf('<data-', start);
      const tag = tagStart === -1 ? '' : host.slice(tagStart, start);
      nonce ??= /^<data-([0-9a-f]{32}) /.exec(tag)?.[1];
      let text = host.slice(start, end);
      if (tag.includes(' encoding="base64"')) {
        const unpadded = trimTrailing(text, '=');
        text = utf8.decode(decodeBase64Run(unpadded, 0, unpadded.length));
      } else if (tag.includes(' datamark="')) text = text.split(DATAMARK).join(' ');
      const list = texts.get(range['blockId']) ?? [];
      list.push(text);
      texts.set(range['blockId'], list);
    }
  }
  const prompt = typeof request['prompt'] === 'string' ? request['prompt'] : undefined;
  nonce ??= prompt === undefined ? undefined : /^\[([0-9a-f]{32}) /.exec(prompt)?.[1];

  const taintedIds: string[] = [];
  const sensitive: boolean[] = [];
  const tainted: Uint8Array[] = [];
  const vouched: Uint8Array[] = [];
  const system: Uint8Array[] = [];
  const systemIds: string[] = [];
  const copiedUrls = new Set<string>();
  let hasUntrusted = false;
  for (const b of blocks) {
    const parts = texts.get(b.id);
    if (parts === undefined) continue;
    const isTainted = b.trust === 'untrusted' || b.secret || b.labels.some((l) => TAINT_LABELS.includes(l));
    if (b.trust === 'untrusted') hasUntrusted = true;
    for (const text of parts) {
      const bytes = encoder.encode(text);
      if (isTainted) {
        taintedIds.push(b.id);
        sensitive.push(b.secret || b.labels.some((l) => TAINT_LABELS.includes(l)));
        tainted.push(bytes);
        const state = { fence: undefined };
        for (const line of text.split('\n')) for (const u of findUrls(line, state)) copiedUrls.add(u.url);
      } else if (b.kind === 'system' || b.kind === 'instructions' || b.kind === 'user') {
        vouched.push(bytes);
      }
      if (!isTainted && (b.kind === 'system' || b.kind === 'instructions') && b.trust === 'trusted') {
        system.push(bytes);
        systemIds.push(b.id);
      }
    }
  }
  const notice = nonce === undefined ? undefined : findNotice(request, nonce);
  return {
    taintedIds,
    taint: createByteIndex(tainted, MAX_TAINT_BYTES),
    sensitive,
    vouched: createByteIndex(vouched, MAX_TAINT_BYTES),
    system: createByteIndex(system, MAX_TAINT_BYTES),
    systemIds,
    notice: createByteIndex(notice === undefined ? [] : [encoder.encode(notice)], MAX_TAINT_BYTES),
    nonce,
    copiedUrls,
    toolNames: toolNamesOf(request['tools']),
    hasUntrusted,
  };
}

/** Kind, trust, labels and secret findings per reported block; labels from the report, else from the leaf of the same kept block. */
function blockInfo(reports: readonly unknown[], leaves: readonly unknown[]): BlockInfo[] {
  const out: BlockInfo[] = [];
  let kept = 0;
  for (const r of reports) {
    if (!isRecord(r) || typeof r['id'] !== 'string') continue;
    const leaf = r['status'] === 'dropped' ? undefined : leaves[kept++];
    const own = Array.isArray(r['labels']) ? r['labels'] : undefined;
    // Leaves are the kept blocks in report order; a derived block's leaf has a new id but the same kind and trust.
    const fromLeaf =
      isRecord(leaf) &&
      Array.isArray(leaf['labels']) &&
      leaf['kind'] === r['kind'] &&
      leaf['trust'] === r['trust']
        ? leaf['labels']
        : undefined;
    const labels = (own ?? fromLeaf ?? []).filter((l): l is string => typeof l === 'string');
    const findings = Array.isArray(r['findings']) ? r['findings'] : [];
    out.push({
      id: r['id'],
      kind: String(r['kind']),
      trust: String(r['trust']),
      labels,
      secret: findings.some((f) => isRecord(f) && f['kind'] === 'secret'),
    });
  }
  return out;
}

/** The string at a source-map path such as `messages[3].content[0].text`, or undefined. */
export function stringAt(root: Record<string, unknown>, path: string): string | undefined {
  const value = valueAt(root, path);
  return typeof value === 'string' ? value : undefined;
}

function valueAt(root: Record<string, unknown>, path: string): unknown {
  let value: unknown = root;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (Array.isArray(value) && /^\d+$/.test(part)) value = value[Number(part)];
    else if (isRecord(value) && Object.hasOwn(value, part)) value = value[part];
    else return undefined;
  }
  return value;
}

/** The boundary notice: the paragraph of the system text that starts `Text between <data-NONCE`. */
function findNotice(request: Record<string, unknown>, nonce: string): string | undefined {
  const system = request['system'];
  const messages = request['messages'];
  const candidates = [
    request['instructions'],
    request['prompt'],
    typeof system === 'string'
      ? system
      : Array.isArray(system) && isRecord(system[0])
        ? system[0]['text']
        : undefined,
    Array.isArray(messages) && isRecord(messages[0]) ? messages[0]['content'] : undefined,
  ];
  const head = `Text between <data-${nonce} `;
  for (const text of candidates) {
    if (typeof text !== 'string') continue;
    const start = text.indexOf(head);
    if (start === -1) continue;
    const end = text.indexOf('\n\n', start);
    return text.slice(start, end === -1 ? text.length : end);
  }
  return undefined;
}

/** Names of the request's tools (OpenAI chat `function.name`, Responses and Anthropic `name`, AI SDK record keys). */
function toolNamesOf(tools: unknown): ReadonlySet<string> | undefined {
  if (Array.isArray(tools)) {
    const names = new Set<string>();
    for (const t of tools) {
      if (!isRecord(t)) continue;
      const fn = t['function'];
      const name = isRecord(fn) ? fn['name'] : t['name'];
      if (typeof name === 'string') names.add(name);
    }
    return names.size === 0 ? undefined : names;
  }
  if (isRecord(tools)) {
    const names = new Set(Object.keys(tools));
    return names.size === 0 ? undefined : names;
  }
  return undefined;
}
