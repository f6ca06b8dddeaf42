// Envoy ext_proc contract test: a gRPC client speaking as Envoy's ext_proc
// filter does, over a real HTTP/2 connection to startExtProcServer. Its
// messages are encoded and decoded by protobufjs (an implementation
// independent of the gateway's codec) from support/ext-proc-schema.ts: the
// subset of Envoy's ext_proc protos (envoyproxy/data-plane-api @ 6470bb1) the
// gateway uses, with their field numbers. Envoy sends request headers, then
// (request_body_mode: BUFFERED) the whole body, then the upstream's response
// headers, waiting for an answer to each
// (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/ext_proc_filter).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@ctxpack/block';
import type { GatewayHandler } from '@ctxpack/gateway';
import { createGatewayHandler } from '@ctxpack/gateway';
import type { ExtProcServer } from '@ctxpack/gateway/node';
import { startExtProcServer, startGatewayServer } from '@ctxpack/gateway/node';
import { createMemoryReplayStore, generateKeyPair } from '@ctxpack/sign';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtProcResponse } from '../packages/gateway/src/ext-proc-codec.js';
import { decodeProcessingRequest, encodeProcessingResponse } from '../packages/gateway/src/ext-proc-codec.js';
import { ProcessingRequest, ProcessingResponse } from './support/ext-proc-schema.js';
import { gatewayConfig, jwksOf, signRequest } from './support/gateway-fixtures.js';

type Message = Record<string, unknown>;

const signer = generateKeyPair();
let handler: GatewayHandler;
let server: ExtProcServer;
let client: grpc.Client;
const utf8 = new TextEncoder();

beforeAll(async () => {
  handler = createGatewayHandler({
    config: gatewayConfig(),
    loadKeySet: () => jwksOf(signer),
    replay: createMemoryReplayStore(),
  });
  server = await startExtProcServer({ handler, maxBodyBytes: 1 << 20 });
  client = new grpc.Client(server.address, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await server.close();
});

/** Opens one stream (one HTTP request, as Envoy does) and sends each message after the answer to the one before. */
async function exchange(
  messages: Message[],
  options: { raw?: Uint8Array[]; via?: grpc.Client } = {},
): Promise<{ answers: Message[]; status: number }> {
  const call = (options.via ?? client).makeBidiStreamRequest(
    '/envoy.service.ext_proc.v3.ExternalProcessor/Process',
    (m: Uint8Array) => Buffer.from(m),
    (b: Buffer) =>
      ProcessingResponse.toObject(ProcessingResponse.decode(b), {
        longs: Number,
        defaults: false,
      }) as Message,
  );
  const answers: Message[] = [];
  const ended = new Promise<number>((done) => {
    call.on('status', (s: grpc.StatusObject) => done(s.code));
    call.on('error', () => undefined);
  });
  const wire =
    options.raw ?? messages.map((m) => ProcessingRequest.encode(ProcessingRequest.fromObject(m)).finish());
  let next: (() => void) | undefined;
  call.on('data', (m: Message) => {
    answers.push(m);
    next?.();
  });
  for (const bytes of wire) {
    const answered = new Promise<void>((resolve) => {
      next = resolve;
    });
    call.write(bytes);
    const first = await Promise.race([
      answered.then(() => 'answer'),
      ended.then(() => 'ended'),
      sleep(2_000).then(() => 'silent'),
    ]);
    if (first !== 'answer') break;
    if (answers.at(-1)?.['immediateResponse'] !== undefined) break;
  }
  call.end();
  return { answers, status: await ended };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Envoy's request_headers message; values in raw_value, as Envoy sends them by default. */
function requestHeaders(headers: Record<string, string>, endOfStream = false, raw = true): Message {
  return {
    requestHeaders: {
      headers: {
        headers: Object.entries({ ':method': 'POST', ':path': '/v1/chat/completions', ...headers }).map(
          ([key, value]) => (raw ? { key, rawValue: utf8.encode(value) } : { key, value }),
        ),
      },
      endOfStream,
    },
  };
}
const requestBody = (body: string | Uint8Array, endOfStream = true): Message => ({
  requestBody: { body: typeof body === 'string' ? utf8.encode(body) : body, endOfStream },
});
const responseHeaders: Message = {
  responseHeaders: { headers: { headers: [{ key: ':status', value: '200' }] } },
};

/** The CommonResponse of a request_body answer that continues. */
function continued(answer: Message | undefined): unknown {
  expect(answer).toHaveProperty('requestBody');
  return ((answer as Message)['requestBody'] as Message)['response'];
}

function setHeaders(common: unknown): Record<string, string> {
  const options = ((common as Message | undefined)?.['headerMutation'] as Message | undefined)?.[
    'setHeaders'
  ] as
    | { header?: { key?: string; rawValue?: Uint8Array; value?: string }; appendAction?: number }[]
    | undefined;
  const entries: [string, string][] = [];
  for (const o of options ?? []) {
    expect(o.appendAction).toBe(2); // OVERWRITE_IF_EXISTS_OR_ADD
    // proto3 leaves empty fields off the wire: an empty key or value reads back as absent.
    entries.push([
      o.header?.key ?? '',
      o.header?.value ?? new TextDecoder().decode(o.header?.rawValue ?? new Uint8Array(0)),
    ]);
  }
  // fromEntries, not assignment: a header named `__proto__` is a member, not the prototype.
  return Object.fromEntries(entries);
}

describe('Envoy ext_proc (gRPC) in front of the gateway', () => {
  it('a signed request: headers continue and ask for the body buffered, the body is verified and continues with x-ctxpack-decision, the response passes', async () => {
    const signed = await signRequest(signer);
    const { answers, status } = await exchange([
      requestHeaders({
        'x-ctxpack-envelope': signed.envelope,
        'x-ctxpack-tenant': 'acme',
        'content-type': 'application/json',
      }),
      requestBody(signed.body),
      responseHeaders,
    ]);
    expect(status).toBe(grpc.status.OK);
    expect(answers).toHaveLength(3);
    expect(answers[0]).toMatchObject({
      requestHeaders: {},
      modeOverride: { requestHeaderMode: 1, requestBodyMode: 2 },
    });
    const decision = setHeaders(continued(answers[1]));
    expect(decision['x-ctxpack-decision']).toMatch(/^[0-9a-f-]{36}$/);
    expect(answers[2]).toHaveProperty('responseHeaders');
  });

  it('values in `value` (older Envoy) read the same; a request naming no tenant of two is refused', async () => {
    const signed = await signRequest(signer);
    const { answers } = await exchange([
      requestHeaders({ 'x-ctxpack-envelope': signed.envelope, 'x-ctxpack-tenant': 'acme' }, false, false),
      requestBody(signed.body),
    ]);
    expect(answers[1]).toHaveProperty('requestBody');
    const anyone = await exchange([
      requestHeaders({ 'x-ctxpack-envelope': signed.envelope }),
      requestBody(signed.body),
    ]);
    expect(anyone.answers[1]).toMatchObject({
      immediateResponse: { status: { code: 403 }, details: 'ctxpack_tenant_unknown' },
    });
  });

  it('a tampered body, a replay, a missing envelope: an ImmediateResponse with the status and code, nothing continues', async () => {
    const signed = await signRequest(signer);
    const tampered = signed.body.replace('user', 'usEr');
    expect(tampered).not.toBe(signed.body);
    const cases: [Message[], number, string][] = [
      [
        [
          requestHeaders({ 'x-ctxpack-envelope': signed.envelope, 'x-ctxpack-tenant': 'acme' }),
          requestBody(tampered),
        ],
        403,
        'digest_mismatch',
      ],
      [[requestHeaders({ 'x-ctxpack-tenant': 'acme' }), requestBody(signed.body)], 403, 'malformed_envelope'],
    ];
    const first = await exchange([
      requestHeaders({ 'x-ctxpack-envelope': signed.envelope, 'x-ctxpack-tenant': 'acme' }),
      requestBody(signed.body),
    ]);
    expect(first.answers[1]).toHaveProperty('requestBody');
    cases.push([
      [
        requestHeaders({ 'x-ctxpack-envelope': signed.envelope, 'x-ctxpack-tenant': 'acme' }),
        requestBody(signed.body),
      ],
      403,
      'replayed',
    ]);
    for (const [messages, code, name] of cases) {
      const { answers, status } = await exchange(messages);
      expect(status, name).toBe(grpc.status.OK);
      const immediate = answers.at(-1)?.['immediateResponse'] as Message;
      expect(immediate, name).toBeDefined();
      expect((immediate['status'] as Message)['code'], name).toBe(code);
      expect(immediate['details'], name).toBe(`ctxpack_${name}`);
      expect(JSON.parse(immediate['body'] as string).error.code, name).toBe(name);
      expect(
        answers.some((a) => a['requestBody'] !== undefined),
        name,
      ).toBe(false);
    }
  });

  it('fails closed on a misconfigured filter: a body in pieces, headers that end the stream, a response for an unverified request', async () => {
    const signed = await signRequest(signer);
    const half = signed.body.slice(0, 40);
    const pieces = await exchange([
      requestHeaders({ 'x-ctxpack-envelope': signed.envelope, 'x-ctxpack-tenant': 'acme' }),
      requestBody(half, false),
    ]);
    expect(pieces.answers[1]).toMatchObject({
      immediateResponse: { status: { code: 500 }, details: 'ctxpack_ext_proc_misconfigured' },
    });

    const noBody = await exchange([requestHeaders({ 'x-ctxpack-envelope': signed.envelope }, true)]);
    expect(noBody.answers[0]).toMatchObject({
      immediateResponse: { status: { code: 403 }, details: 'ctxpack_body_invalid' },
    });

    // request_body_mode left at NONE: Envoy goes from the request headers straight to the response.
    const skipped = await exchange([
      requestHeaders({ 'x-ctxpack-envelope': signed.envelope, 'x-ctxpack-tenant': 'acme' }),
      responseHeaders,
    ]);
    expect(skipped.answers[1]).toMatchObject({
      immediateResponse: { status: { code: 500 }, details: 'ctxpack_ext_proc_misconfigured' },
    });
  });

  it('refuses an oversized body with 413; async (observability) messages get no answer; bytes that are not a ProcessingRequest end the stream with an error', async () => {
    const signed = await signRequest(signer);
    const big = await exchange([
      requestHeaders({ 'x-ctxpack-envelope': signed.envelope, 'x-ctxpack-tenant': 'acme' }),
      requestBody(new Uint8Array((1 << 20) + 1)),
    ]);
    expect(big.answers[1]).toMatchObject({ immediateResponse: { status: { code: 413 } } });

    const quiet = await exchange([
      {
        asyncMode: true,
        ...requestHeaders({ 'x-ctxpack-envelope': signed.envelope, 'x-ctxpack-tenant': 'acme' }),
      },
    ]);
    expect(quiet.answers).toHaveLength(0);

    for (const raw of [Uint8Array.of(0x12, 0x7f), Uint8Array.of(0x0b), Uint8Array.of(0xff, 0xff, 0xff)]) {
      const bad = await exchange([], { raw: [raw] });
      expect(bad.answers).toHaveLength(0);
      expect(bad.status).not.toBe(grpc.status.OK);
    }
    const empty = await exchange([{}]);
    expect(empty.status).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('startGatewayServer serves it beside HTTP with extProcPort (what ctxpack gateway --ext-proc-port runs)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctxpack-ext-proc-'));
    writeFileSync(join(dir, 'keys.jwks.json'), jwksOf(signer));
    writeFileSync(join(dir, 'gateway.json'), JSON.stringify(gatewayConfig()));
    const gateway = await startGatewayServer({ configPath: join(dir, 'gateway.json'), extProcPort: 0 });
    const via = new grpc.Client(gateway.extProcAddress as string, grpc.credentials.createInsecure());
    try {
      const signed = await signRequest(signer);
      const { answers } = await exchange(
        [
          requestHeaders({ 'x-ctxpack-envelope': signed.envelope, 'x-ctxpack-tenant': 'acme' }),
          requestBody(signed.body),
        ],
        { via },
      );
      const decision = setHeaders(continued(answers[1]))['x-ctxpack-decision'];
      // The same handler, so the same audit trail: the decision the request went upstream with is recorded.
      expect(gateway.auditLines.some((line) => line.includes(decision as string))).toBe(true);
      await expect(
        startGatewayServer({ configPath: join(dir, 'gateway.json'), extProcPort: 70_000 }),
      ).rejects.toThrow(/options\.extProcPort/);
    } finally {
      via.close();
      await gateway.close();
    }
  });

  it('refuses bad options with invalid_argument and the path', async () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /options\.handler/],
      [{}, /options\.handler/],
      [{ handler, port: -1 }, /options\.port/],
      [{ handler, host: 7 }, /options\.host/],
      [{ handler, maxBodyBytes: 0 }, /options\.maxBodyBytes/],
    ];
    for (const [options, path] of cases) {
      const error = await startExtProcServer(options as never).catch((e: unknown) => e);
      expect(InvalidArgumentError.isInstance(error), String(path)).toBe(true);
      expect(String((error as Error).message)).toMatch(path);
    }
  });
});

describe('the ext_proc codec against protobufjs', () => {
  const header = fc.record({ key: fc.string({ maxLength: 12 }), value: fc.string({ maxLength: 20 }) });
  const kinds = [
    'requestHeaders',
    'responseHeaders',
    'requestBody',
    'responseBody',
    'requestTrailers',
    'responseTrailers',
  ] as const;

  it('reads every ProcessingRequest protobufjs writes, field for field', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.array(header, { maxLength: 5 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (kind, headers, body, endOfStream, asyncMode, raw) => {
          const map = {
            headers: headers.map((h) => (raw ? { key: h.key, rawValue: utf8.encode(h.value) } : h)),
          };
          const inner = kind.endsWith('Headers')
            ? { headers: map, endOfStream }
            : kind.endsWith('Body')
              ? { body, endOfStream }
              : { trailers: map };
          const bytes = ProcessingRequest.encode(
            ProcessingRequest.fromObject({ asyncMode, [kind]: inner }),
          ).finish();
          const read = decodeProcessingRequest(bytes);
          expect(read.kind).toBe(kind.replace(/[A-Z]/, (c) => `_${c.toLowerCase()}`));
          expect(read.asyncMode).toBe(asyncMode);
          if (kind.endsWith('Body')) {
            expect([...(read.body ?? [])]).toEqual([...body]);
            expect(read.endOfStream).toBe(endOfStream);
          } else {
            expect(read.headers).toEqual(headers.map((h) => [h.key.toLowerCase(), h.value]));
            if (kind.endsWith('Headers')) expect(read.endOfStream).toBe(endOfStream);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes ProcessingResponses protobufjs reads back as meant', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({
            kind: fc.constantFrom('request_headers', 'response_headers', 'request_body', 'response_body'),
            setHeaders: fc.array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })), {
              maxLength: 3,
            }),
            bufferRequestBody: fc.boolean(),
          }),
          fc.record({
            kind: fc.constant('immediate_response'),
            status: fc.integer({ min: 100, max: 599 }),
            headers: fc.array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })), {
              maxLength: 3,
            }),
            body: fc.string({ maxLength: 40 }),
            details: fc.string({ maxLength: 20 }),
          }),
        ),
        (response) => {
          const read = ProcessingResponse.toObject(
            ProcessingResponse.decode(encodeProcessingResponse(response as ExtProcResponse)),
            { defaults: false },
          ) as Message;
          const camel = response.kind.replace(/_([a-z])/, (_, c: string) => c.toUpperCase());
          const member = read[camel] as Message;
          expect(member).toBeDefined();
          if (response.kind === 'immediate_response') {
            const r = response as Extract<ExtProcResponse, { kind: 'immediate_response' }>;
            expect((member['status'] as Message)['code']).toBe(r.status);
            expect(member['body'] ?? '').toBe(r.body);
            expect(member['details'] ?? '').toBe(r.details);
            expect(setHeaders({ headerMutation: member['headers'] })).toEqual(Object.fromEntries(r.headers));
          } else {
            const r = response as { setHeaders: [string, string][]; bufferRequestBody: boolean };
            expect(setHeaders(member['response'])).toEqual(Object.fromEntries(r.setHeaders));
            expect(read['modeOverride'] !== undefined).toBe(r.bufferRequestBody);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random bytes: a reading or invalid_argument, never another error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeProcessingRequest(bytes);
        } catch (error) {
          expect(InvalidArgumentError.isInstance(error)).toBe(true);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
