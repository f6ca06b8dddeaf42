import type { BlockKind, BlockSource, ContextBlockInput, Trust } from '@ctxpack/block';
import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';

/** One block as `importRequest` returns it: everything but the tenant, which the context adds. */
export type ImportedBlock = Omit<ContextBlockInput, 'tenant'>;

/** What `classify` is told about each imported text: return a trust to override the default, or nothing. */
export interface ImportedMessage {
  /** Index of the message (or input item) in the body. */
  index: number;
  /** The role as written in the body (`system`, `developer`, `user`, `assistant`, `tool`). */
  role: string;
  kind: BlockKind;
  /** The trust the role gives by default. */
  trust: Trust;
  content: string;
  /** The id the imported block gets (`msg-3`, `msg-3-1`). */
  id: string;
}

export type Classify = (message: ImportedMessage) => Trust | undefined;

const TRUSTS: ReadonlySet<unknown> = new Set<Trust>(['trusted', 'user', 'untrusted']);

/**
 * Collects imported blocks in body order. Tool calls remember their names so
 * a result that names only the call id (Chat Completions, Responses,
 * Messages) gets the tool name as its source.
 */
export class ImportCollector {
  readonly blocks: ImportedBlock[] = [];
  readonly cacheBreakpoints: string[] = [];
  readonly #classify: Classify | undefined;
  readonly #toolNames = new Map<string, string>();

  constructor(classify: Classify | undefined) {
    this.#classify = classify;
  }

  /** A system, user or assistant text. */
  text(
    kind: 'system' | 'user' | 'assistant',
    role: string,
    index: number,
    part: number,
    content: string,
  ): string {
    const id = blockId(index, part);
    const trust = this.#trustOf({
      index,
      role,
      kind,
      trust: kind === 'user' ? 'user' : 'trusted',
      content,
      id,
    });
    this.blocks.push({ id, kind, trust, content, source: { type: kind === 'user' ? 'user' : 'app' } });
    return id;
  }

  toolCall(index: number, part: number, call: { id: string; name: string; arguments: string }): string {
    const id = blockId(index, part);
    this.#toolNames.set(call.id, call.name);
    const trust = this.#trustOf({
      index,
      role: 'assistant',
      kind: 'tool-call',
      trust: 'trusted',
      content: call.arguments,
      id,
    });
    this.blocks.push({
      id,
      kind: 'tool-call',
      trust,
      content: call.arguments,
      source: { type: 'app', tool: call.name, callId: call.id },
      group: `call:${call.id}`,
    });
    return id;
  }

  toolResult(
    index: number,
    part: number,
    result: { callId: string; name?: string; content: string },
  ): string {
    const id = blockId(index, part);
    const tool = result.name ?? this.#toolNames.get(result.callId);
    const source: BlockSource = {
      type: 'tool',
      callId: result.callId,
      ...(tool === undefined ? {} : { tool }),
    };
    const trust = this.#trustOf({
      index,
      role: 'tool',
      kind: 'tool-result',
      trust: 'untrusted',
      content: result.content,
      id,
    });
    this.blocks.push({
      id,
      kind: 'tool-result',
      trust,
      content: result.content,
      source,
      group: `call:${result.callId}`,
    });
    return id;
  }

  #trustOf(message: ImportedMessage): Trust {
    if (this.#classify === undefined) return message.trust;
    const trust = this.#classify(message);
    if (trust === undefined) return message.trust;
    if (!TRUSTS.has(trust)) {
      throw new InvalidArgumentError({
        path: 'options.classify',
        expected: "a function returning 'trusted', 'user', 'untrusted' or undefined",
        value: trust,
      });
    }
    return trust;
  }
}

function blockId(index: number, part: number): string {
  return part === 0 ? `msg-${index}` : `msg-${index}-${part}`;
}

/** Refuses a key the importer does not know: it would be lost on the way back out. */
export function assertKnownKeys(
  value: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  path: string,
): void {
  for (const key of Object.keys(value)) {
    if (allowed.has(key) || value[key] === undefined) continue;
    throw new InvalidArgumentError({
      path: `${path}.${key}`,
      expected: `one of the fields ctxpack imports (${[...allowed].join(', ')})`,
      value: value[key],
    });
  }
}

export function expectRecord(value: unknown, path: string, expected: string): Record<string, unknown> {
  if (!isRecord(value)) throw new InvalidArgumentError({ path, expected, value });
  return value;
}

export function expectArray(value: unknown, path: string, expected: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError({ path, expected, value });
  return value;
}

export function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new InvalidArgumentError({ path, expected: 'a string', value });
  return value;
}

/** Arguments as the JSON text a tool-call block holds (Messages and the AI SDK send an object). */
export function argumentsText(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  let json: string | undefined;
  try {
    json = JSON.stringify(value ?? {});
  } catch {
    // A cycle or a BigInt: not JSON a provider could have sent.
  }
  if (json === undefined) throw new InvalidArgumentError({ path, expected: 'JSON arguments', value });
  return json;
}

/**
 * Joins the text parts of one message. Any other part (an image, a file, a
 * refusal) has no block form and is refused: dropping it would send a
 * different conversation.
 */
export function joinTextParts(
  parts: readonly unknown[],
  path: string,
  textTypes: ReadonlySet<string>,
): string {
  let text = '';
  for (let i = 0; i < parts.length; i++) {
    const part = expectRecord(parts[i], `${path}[${i}]`, 'a content part');
    if (typeof part['type'] !== 'string' || !textTypes.has(part['type'])) {
      throw new InvalidArgumentError({
        path: `${path}[${i}].type`,
        expected: `a text part (${[...textTypes].join(', ')}); other parts cannot be imported`,
        value: part['type'],
      });
    }
    if (i > 0) text += '\n';
    text += expectString(part['text'], `${path}[${i}].text`);
  }
  return text;
}
