import type { Target } from '@ctxpack/serialize';
import {
  PAYLOAD_JSON_SCHEMA,
  PAYLOAD_SCHEMA,
  PAYLOAD_SCHEMA_HASH,
  parsePayload,
  render,
  SchemaError,
  TARGETS,
} from '@ctxpack/serialize';
import { describe, expect, it } from 'vitest';
import { conversation, nonce, tenant } from './fixtures.js';

const envelope = {
  payloadType: 'application/vnd.ctxpack.manifest+json',
  payload: 'eyJ2IjoxfQ',
  signatures: [{ keyid: 'k1', sig: 'c2ln' }],
};

function payloadFor(target: Target): Record<string, unknown> {
  const r = render(conversation, { target, tenant, nonce, anthropic: { cacheSystem: true } });
  return {
    schema: PAYLOAD_SCHEMA,
    schemaHash: PAYLOAD_SCHEMA_HASH,
    target,
    request: r.request,
    envelope,
    sourceMap: r.sourceMap,
  };
}

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parsePayload(input);
  } catch (e) {
    expect(SchemaError.isInstance(e)).toBe(true);
    expect((e as SchemaError).code).toBe('schema_error');
    return (e as SchemaError).issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  }
  throw new Error('expected a SchemaError');
}

describe('parsePayload', () => {
  it.each(TARGETS)('round-trips a %s payload through JSON', (target) => {
    const payload = payloadFor(target);
    expect(parsePayload(JSON.parse(JSON.stringify(payload)))).toEqual(payload);
  });

  it('pins the schema hash: a format change must be a deliberate, visible change', () => {
    expect(PAYLOAD_SCHEMA_HASH).toBe(
      'sha256:05f7a4819e2d538843b69208f2f523f6b1c6e63d22714b9f31eb588e55888328',
    );
    expect(PAYLOAD_JSON_SCHEMA['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('refuses a missing schema tag', () => {
    const { schema: _, ...rest } = payloadFor('text');
    expect(issuesOf(rest)).toEqual([{ path: 'schema', message: expect.stringContaining('missing') }]);
  });

  it('refuses an unknown version explicitly instead of guessing', () => {
    const issues = issuesOf({ ...payloadFor('text'), schema: 'ctxpack.payload/v2' });
    expect(issues[0]?.path).toBe('schema');
    expect(issues[0]?.message).toContain('unknown payload schema "ctxpack.payload/v2"');
  });

  it('refuses a payload written against another revision of the schema (hash drift)', () => {
    const issues = issuesOf({ ...payloadFor('text'), schemaHash: `sha256:${'0'.repeat(64)}` });
    expect(issues[0]?.path).toBe('schemaHash');
    expect(issues[0]?.message).toContain('drifted');
  });

  it('reports missing, extra and mistyped fields with their paths', () => {
    const { envelope: _, ...noEnvelope } = payloadFor('openai-chat');
    expect(issuesOf(noEnvelope).map((i) => i.path)).toEqual(['envelope']);

    expect(issuesOf({ ...payloadFor('openai-chat'), extra: 1 })).toEqual([
      { path: '', message: expect.stringContaining('"extra"') },
    ]);

    const drifted = payloadFor('anthropic') as {
      request: { messages: { content: Record<string, unknown>[] }[] };
    };
    (drifted.request.messages[1]?.content[0] as Record<string, unknown>)['input'] = 'not an object';
    expect(issuesOf(drifted).map((i) => i.path)).toEqual(['request.messages.1.content.0.input']);

    const chat = payloadFor('openai-chat') as { request: { messages: Record<string, unknown>[] } };
    (chat.request.messages[2] as Record<string, unknown>)['role'] = 'developer';
    expect(issuesOf(chat).map((i) => i.path)).toContain('request.messages.2');

    expect(issuesOf({ ...payloadFor('text'), target: 'gemini' }).map((i) => i.path)).toEqual(['target']);
    expect(
      issuesOf({ ...payloadFor('text'), envelope: { ...envelope, signatures: [] } }).map((i) => i.path),
    ).toEqual(['envelope.signatures']);
  });

  it('refuses a request of another target', () => {
    const chat = payloadFor('openai-chat');
    const issues = issuesOf({ ...chat, target: 'anthropic' });
    expect(issues.some((i) => i.path.startsWith('request'))).toBe(true);
  });

  it('refuses non-objects with a typed error', () => {
    for (const bad of [null, 1, 'x', [], undefined]) expect(issuesOf(bad)[0]?.path).toBe('');
  });
});
