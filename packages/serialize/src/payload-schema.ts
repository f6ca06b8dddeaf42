import { formatDigest, isRecord } from '@ctxpack/block/kernel';
import { sha256 } from '@noble/hashes/sha2.js';
import { z } from 'zod';
import type { RequestFor } from './request-types.js';
import type { SchemaIssue } from './schema-error.js';
import { SchemaError } from './schema-error.js';
import type { SourceMapEntry } from './source-map.js';
import type { Target } from './target.js';

/** The schema tag of payloads this build writes and reads. */
export const PAYLOAD_SCHEMA = 'ctxpack.payload/v1';

/** Tags this build knows; anything else is refused, never guessed. */
export const KNOWN_PAYLOAD_SCHEMAS: readonly string[] = Object.freeze([PAYLOAD_SCHEMA]);

const MAX_ITEMS = 100_000;
const text = z.string().max(64 * 1024 * 1024);
const id = z.string().min(1).max(1024);
const items = <T extends z.ZodType>(item: T) => z.array(item).max(MAX_ITEMS);

const openAIChatRequest = z.strictObject({
  messages: items(
    z.union([
      z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: text }),
      z.strictObject({
        role: z.literal('assistant'),
        content: z.null(),
        tool_calls: items(
          z.strictObject({
            id,
            type: z.literal('function'),
            function: z.strictObject({ name: id, arguments: text }),
          }),
        ),
      }),
      z.strictObject({ role: z.literal('tool'), tool_call_id: id, content: text }),
    ]),
  ),
});

const openAIResponsesRequest = z.strictObject({
  instructions: text.optional(),
  input: items(
    z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('message'), role: z.enum(['user', 'assistant']), content: text }),
      z.strictObject({ type: z.literal('function_call'), call_id: id, name: id, arguments: text }),
      z.strictObject({ type: z.literal('function_call_output'), call_id: id, output: text }),
    ]),
  ),
});

const cacheControl = z
  .strictObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() })
  .optional();
const anthropicText = z.strictObject({ type: z.literal('text'), text, cache_control: cacheControl });
const anthropicRequest = z.strictObject({
  system: items(anthropicText).optional(),
  messages: items(
    z.strictObject({
      role: z.enum(['user', 'assistant']),
      content: items(
        z.discriminatedUnion('type', [
          anthropicText,
          z.strictObject({
            type: z.literal('tool_use'),
            id,
            name: id,
            input: z.record(z.string(), z.json()),
            cache_control: cacheControl,
          }),
          z.strictObject({
            type: z.literal('tool_result'),
            tool_use_id: id,
            content: text,
            cache_control: cacheControl,
          }),
        ]),
      ),
    }),
  ),
});

const aiSdkRequest = z.strictObject({
  system: text.optional(),
  messages: items(
    z.union([
      z.strictObject({ role: z.enum(['user', 'assistant']), content: text }),
      z.strictObject({
        role: z.literal('assistant'),
        content: items(
          z.strictObject({ type: z.literal('tool-call'), toolCallId: id, toolName: id, input: z.json() }),
        ),
      }),
      z.strictObject({
        role: z.literal('tool'),
        content: items(
          z.strictObject({
            type: z.literal('tool-result'),
            toolCallId: id,
            toolName: id,
            output: z.strictObject({ type: z.literal('text'), value: text }),
          }),
        ),
      }),
    ]),
  ),
});

const textRequest = z.strictObject({ prompt: text });

const sourceMap = items(
  z.strictObject({
    index: z.int().nonnegative(),
    path: z.string().max(1024),
    blockIds: items(id),
    ranges: items(
      z.strictObject({
        blockId: id,
        path: z.string().max(1024),
        start: z.int().nonnegative(),
        end: z.int().nonnegative(),
      }),
    ),
  }),
);

// DSSE envelope (secure-systems-lab/dsse envelope.md): keyid is optional.
const envelope = z.strictObject({
  payloadType: z.string().min(1).max(1024),
  payload: z.string().max(16 * 1024 * 1024),
  signatures: z
    .array(z.strictObject({ keyid: z.string().max(1024).optional(), sig: z.string().min(1).max(4096) }))
    .min(1)
    .max(64),
});

const common = {
  schema: z.literal(PAYLOAD_SCHEMA),
  schemaHash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  envelope,
  /** Block headers: their own schema is checked by `@ctxpack/sign` when verifying. */
  leaves: items(z.record(z.string(), z.unknown())).optional(),
  /** The signed manifest, decoded (informational; verification reads the envelope). */
  manifest: z.record(z.string(), z.unknown()).optional(),
  report: z.record(z.string(), z.unknown()).optional(),
  sourceMap: sourceMap.optional(),
};

const payloadSchemaV1 = z.discriminatedUnion('target', [
  z.strictObject({ ...common, target: z.literal('openai-chat'), request: openAIChatRequest }),
  z.strictObject({ ...common, target: z.literal('openai-responses'), request: openAIResponsesRequest }),
  z.strictObject({ ...common, target: z.literal('anthropic'), request: anthropicRequest }),
  z.strictObject({ ...common, target: z.literal('ai-sdk'), request: aiSdkRequest }),
  z.strictObject({ ...common, target: z.literal('text'), request: textRequest }),
]);

/** The JSON Schema (draft 2020-12) of `ctxpack.payload/v1`, for gateways written in other languages. */
export const PAYLOAD_JSON_SCHEMA: Readonly<Record<string, unknown>> = Object.freeze(
  z.toJSONSchema(payloadSchemaV1) as Record<string, unknown>,
);

/**
 * `sha256:` of the canonical JSON (sorted keys) of {@link PAYLOAD_JSON_SCHEMA}.
 * Any change to the payload format changes it, so a reader can tell a payload
 * written against a different revision of the same version.
 */
export const PAYLOAD_SCHEMA_HASH: string = formatDigest(
  sha256(new TextEncoder().encode(canonicalJson(PAYLOAD_JSON_SCHEMA))),
);

/** A payload as it travels: what `assemble` returns, validated. */
export interface ParsedPayload<T extends Target = Target> {
  schema: typeof PAYLOAD_SCHEMA;
  schemaHash: string;
  target: T;
  request: RequestFor<T>;
  envelope: { payloadType: string; payload: string; signatures: { keyid?: string; sig: string }[] };
  leaves?: Record<string, unknown>[];
  manifest?: Record<string, unknown>;
  report?: Record<string, unknown>;
  sourceMap?: SourceMapEntry[];
}

/**
 * Validates an unknown value (e.g. `JSON.parse` of a message) as a payload of
 * the schema this build reads. The version is checked first and explicitly:
 * a missing or unknown `schema` tag, or a `schemaHash` that is not this
 * build's, is refused before anything else is read. Then every field is
 * checked strictly — missing, extra or mistyped fields are errors, each with
 * its path. This checks form only; `verifyPayload` checks the signature.
 *
 * @throws {SchemaError} code `schema_error`, with `issues[].path`.
 * @example
 * const payload = parsePayload(JSON.parse(body));
 * payload.request; // typed by payload.target
 */
export function parsePayload(input: unknown): ParsedPayload {
  if (!isRecord(input)) {
    throw new SchemaError({ issues: [{ path: [], message: 'expected a payload object' }] });
  }
  const record = input;
  const tag = record['schema'];
  if (tag === undefined) {
    throw new SchemaError({
      issues: [{ path: ['schema'], message: `missing; expected "${PAYLOAD_SCHEMA}"` }],
    });
  }
  if (typeof tag !== 'string' || !KNOWN_PAYLOAD_SCHEMAS.includes(tag)) {
    throw new SchemaError({
      issues: [
        {
          path: ['schema'],
          message: `unknown payload schema ${JSON.stringify(String(tag)).slice(0, 200)}; this build reads ${KNOWN_PAYLOAD_SCHEMAS.join(', ')}`,
        },
      ],
    });
  }
  if (record['schemaHash'] !== PAYLOAD_SCHEMA_HASH) {
    throw new SchemaError({
      issues: [
        {
          path: ['schemaHash'],
          message: `${JSON.stringify(String(record['schemaHash'])).slice(0, 100)} is not this build's ${PAYLOAD_SCHEMA} hash ${PAYLOAD_SCHEMA_HASH}; the payload format drifted`,
        },
      ],
    });
  }
  const result = payloadSchemaV1.safeParse(input);
  if (result.success) return result.data as ParsedPayload;
  const issues: SchemaIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: issue.message,
  }));
  throw new SchemaError({ issues, cause: result.error });
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
