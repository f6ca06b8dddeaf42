import { InvalidArgumentError } from '@ctxpack/block';
import { assertInteger, assertString, isRecord } from '@ctxpack/block/kernel';
import * as grpc from '@grpc/grpc-js';
import type { ExtProcRequest, ExtProcResponse } from './ext-proc-codec.js';
import { decodeProcessingRequest, encodeProcessingResponse } from './ext-proc-codec.js';
import { DEFAULT_MAX_BODY_BYTES } from './gateway-config.js';
import type { GatewayHandler } from './gateway-handler.js';

/** Options of {@link startExtProcServer}. */
export interface ExtProcServerOptions {
  /** The gateway handler each request is verified by (`POST /verify`). */
  handler: GatewayHandler;
  /** Port (default 0: any free port). */
  port?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Largest request body accepted, in bytes (default the gateway's 8 MiB). */
  maxBodyBytes?: number;
  /** gRPC server credentials (default insecure: loopback or a mesh that terminates TLS). */
  credentials?: grpc.ServerCredentials;
}

/** A running ext_proc server. */
export interface ExtProcServer {
  /** `host:port`, for Envoy's `grpc_service.envoy_grpc` cluster. */
  readonly address: string;
  close(): Promise<void>;
}

const PROCESS_PATH = '/envoy.service.ext_proc.v3.ExternalProcessor/Process';
const ENVELOPE = 'x-ctxpack-envelope';
const TENANT = 'x-ctxpack-tenant';
const DECISION = 'x-ctxpack-decision';

function immediate(status: number, code: string, message: string, decision?: string): ExtProcResponse {
  return {
    kind: 'immediate_response',
    status,
    headers: [
      ['content-type', 'application/json'],
      ...(decision === undefined ? [] : [[DECISION, decision] as [string, string]]),
    ],
    body: JSON.stringify({ error: { code, message } }),
    details: `ctxpack_${code}`,
  };
}

/**
 * Envoy's external processing service (`envoy.service.ext_proc.v3`, a gRPC
 * bidirectional stream per HTTP request) in front of the gateway handler: the
 * request headers are held, the buffered body is verified as `POST /verify`
 * with the request's `x-ctxpack-envelope` (and `x-ctxpack-tenant`), and the
 * request continues upstream with `x-ctxpack-decision` set, or gets an
 * `ImmediateResponse` with the handler's status and code. Configure Envoy's
 * filter with `processing_mode: { request_header_mode: SEND,
 * request_body_mode: BUFFERED }`. Fail-closed: a body sent in pieces
 * (`STREAMED`, `BUFFERED_PARTIAL`), or a response from upstream for a request
 * whose body was never verified (`request_body_mode: NONE`), is answered with
 * a 500 `ext_proc_misconfigured` instead.
 *
 * @example
 * const gateway = await startGatewayServer({ configPath: 'gateway.json' });
 * const extProc = await startExtProcServer({ handler: gateway.handler, port: 9002 });
 */
export async function startExtProcServer(options: ExtProcServerOptions): Promise<ExtProcServer> {
  if (!isRecord(options) || typeof options.handler !== 'function') {
    throw new InvalidArgumentError({
      path: 'options.handler',
      expected: 'a gateway handler (createGatewayHandler)',
      value: isRecord(options) ? options.handler : options,
    });
  }
  const { handler } = options;
  const port = options.port ?? 0;
  assertInteger(port, 'options.port', 0, 65_535);
  const host = options.host ?? '127.0.0.1';
  assertString(host, 'options.host', 255);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  assertInteger(maxBodyBytes, 'options.maxBodyBytes', 1, 64 * 1024 * 1024);

  async function verify(headers: Map<string, string>, body: Uint8Array): Promise<ExtProcResponse> {
    const forwarded: Record<string, string> = { 'content-type': 'application/json' };
    const envelope = headers.get(ENVELOPE);
    const tenant = headers.get(TENANT);
    if (envelope !== undefined) forwarded[ENVELOPE] = envelope;
    if (tenant !== undefined) forwarded[TENANT] = tenant;
    const response = await handler(
      new Request('http://ext-proc/verify', { method: 'POST', headers: forwarded, body: body as BodyInit }),
    );
    const answer = (await response.json().catch(() => ({}))) as {
      decision?: string;
      id?: string;
      code?: string;
      message?: string;
      error?: { code?: string; message?: string };
    };
    if (response.status === 200 && answer.decision === 'allow' && typeof answer.id === 'string') {
      return { kind: 'request_body', setHeaders: [[DECISION, answer.id]] };
    }
    return immediate(
      response.status === 200 ? 500 : response.status,
      answer.code ?? answer.error?.code ?? 'internal_error',
      answer.message ?? answer.error?.message ?? 'the gateway did not allow the request',
      answer.id,
    );
  }

  function process(call: grpc.ServerDuplexStream<ExtProcRequest, ExtProcResponse>): void {
    let headers: Map<string, string> | undefined;
    let verified = false;
    let done = false;
    // Messages are answered one at a time, in order: a body waits for the answer to its headers.
    let turn: Promise<void> = Promise.resolve();
    const answer = async (message: ExtProcRequest): Promise<ExtProcResponse | undefined> => {
      switch (message.kind) {
        case 'request_headers': {
          headers = new Map(message.headers);
          if (message.endOfStream) {
            verified = false;
            return immediate(403, 'body_invalid', 'the request has no body to verify');
          }
          // Ask for the body whole, in case the filter's mode was left at NONE (honoured only
          // with allow_mode_override; otherwise the response check below refuses the reply).
          return { kind: 'request_headers', bufferRequestBody: true };
        }
        case 'request_body': {
          if (!message.endOfStream) {
            return immediate(
              500,
              'ext_proc_misconfigured',
              'the request body came in pieces: set request_body_mode: BUFFERED (nothing was allowed)',
            );
          }
          const body = message.body ?? new Uint8Array(0);
          if (body.length > maxBodyBytes) {
            return immediate(413, 'body_invalid', `the body is over ${maxBodyBytes} bytes`);
          }
          const result = await verify(headers ?? new Map(), body);
          verified = result.kind === 'request_body';
          return result;
        }
        case 'response_headers':
        case 'response_body':
          if (!verified) {
            return immediate(
              500,
              'ext_proc_misconfigured',
              'the request went upstream without its body being verified: set request_body_mode: BUFFERED',
            );
          }
          return { kind: message.kind };
        case 'request_trailers':
        case 'response_trailers':
          return { kind: message.kind };
        default:
          return undefined;
      }
    };
    call.on('data', (message: ExtProcRequest) => {
      turn = turn.then(async () => {
        if (done) return;
        if (message.asyncMode) return; // observability mode: Envoy takes no answer and cannot block
        let response: ExtProcResponse | undefined;
        try {
          response = await answer(message);
        } catch {
          response = immediate(500, 'internal_error', 'the gateway failed; nothing was allowed');
        }
        if (response === undefined) {
          done = true;
          call.emit('error', {
            code: grpc.status.INVALID_ARGUMENT,
            details: 'a ProcessingRequest without a request',
          });
          return;
        }
        call.write(response);
        // After an immediate response Envoy sends nothing more for this request.
        if (response.kind === 'immediate_response') {
          done = true;
          call.end();
        }
      });
    });
    call.on('end', () => {
      turn = turn.then(() => {
        if (done) return;
        done = true;
        call.end();
      });
    });
    call.on('error', () => {
      done = true;
    });
  }

  const server = new grpc.Server({
    // A ProcessingRequest holds the whole buffered body, plus headers.
    'grpc.max_receive_message_length': maxBodyBytes + 1024 * 1024,
  });
  const service: grpc.ServiceDefinition = {
    Process: {
      path: PROCESS_PATH,
      requestStream: true,
      responseStream: true,
      requestSerialize: () => Buffer.alloc(0), // server side: never serializes requests
      requestDeserialize: (bytes: Buffer) => decodeProcessingRequest(bytes),
      responseSerialize: (response: ExtProcResponse) => Buffer.from(encodeProcessingResponse(response)),
      responseDeserialize: () => ({}) as never,
      originalName: 'process',
    },
  };
  server.addService(service, { Process: process } as grpc.UntypedServiceImplementation);
  const authority = host.includes(':') ? `[${host}]` : host; // an IPv6 address is bracketed
  const bound = await new Promise<number>((ready, fail) => {
    server.bindAsync(
      `${authority}:${port}`,
      options.credentials ?? grpc.ServerCredentials.createInsecure(),
      (error, actual) => (error === null ? ready(actual) : fail(error)),
    );
  });
  return {
    address: `${authority}:${bound}`,
    close: () =>
      new Promise<void>((done) => {
        server.tryShutdown(() => done());
        // Streams Envoy keeps open would hold tryShutdown forever.
        setTimeout(() => server.forceShutdown(), 2_000).unref();
      }),
  };
}
