import { InvalidArgumentError } from '@ctxpack/block';

// The protobuf wire format (https://protobuf.dev/programming-guides/encoding/)
// of the messages of Envoy's external processing service that the gateway
// reads and writes: envoy/service/ext_proc/v3/external_processor.proto and the
// types it uses from envoy/config/core/v3/base.proto and
// envoy/type/v3/http_status.proto (envoyproxy/data-plane-api). Field numbers
// are those files'; every other field is skipped on read and never written.

/** What one `ProcessingRequest` carries, as far as the gateway reads it. */
export interface ExtProcRequest {
  /** `async_mode` (1): the server must not answer. */
  asyncMode: boolean;
  /** Which member of the `request` oneof was set (fields 2–7), or `undefined` for none. */
  kind:
    | 'request_headers'
    | 'response_headers'
    | 'request_body'
    | 'response_body'
    | 'request_trailers'
    | 'response_trailers'
    | undefined;
  /** `HttpHeaders.headers` (a `HeaderMap`): lower-case keys; `raw_value` (3) read as UTF-8 when set, else `value` (2). */
  headers: [string, string][];
  /** `HttpBody.body` (1). */
  body: Uint8Array | undefined;
  /** `HttpHeaders.end_of_stream` (3) or `HttpBody.end_of_stream` (2). */
  endOfStream: boolean;
}

/** A `ProcessingResponse`: continue (optionally setting headers), or an `ImmediateResponse`. */
export type ExtProcResponse =
  | {
      kind: 'request_headers' | 'response_headers' | 'request_body' | 'response_body';
      /** `CommonResponse.header_mutation.set_headers`, each OVERWRITE_IF_EXISTS_OR_ADD. */
      setHeaders?: readonly [string, string][];
      /** `mode_override` (9): the request body sent BUFFERED (`ProcessingMode.request_body_mode` = 2). */
      bufferRequestBody?: boolean;
    }
  | { kind: 'request_trailers' | 'response_trailers' }
  | {
      kind: 'immediate_response';
      /** `ImmediateResponse.status.code` (an `envoy.type.v3.StatusCode`: the HTTP status number). */
      status: number;
      headers: readonly [string, string][];
      body: string;
      details: string;
    };

const REQUEST_KINDS = [
  undefined,
  undefined,
  'request_headers',
  'response_headers',
  'request_body',
  'response_body',
  'request_trailers',
  'response_trailers',
] as const;

const RESPONSE_FIELDS: Record<ExtProcResponse['kind'], number> = {
  request_headers: 1,
  response_headers: 2,
  request_body: 3,
  response_body: 4,
  request_trailers: 5,
  response_trailers: 6,
  immediate_response: 7,
};

const utf8 = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

function malformed(message: string): never {
  throw new InvalidArgumentError({ path: 'ProcessingRequest', expected: 'protobuf', value: message });
}

/** One field of a message: its number, wire type, and its value (a varint, or the bytes of a length-delimited field). */
interface Field {
  number: number;
  type: number;
  varint: number;
  bytes: Uint8Array | undefined;
}

/** The fields of one message, in order; unknown wire types are refused (groups, 3 and 4, are not proto3). */
function readFields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (at >= buf.length) malformed('a varint runs past the end');
      const b = buf[at++] as number;
      // Numbers past 2^53 only matter for skipped fields and are never used as lengths.
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return value;
    }
    return malformed('a varint is over 10 bytes');
  };
  while (at < buf.length) {
    const key = varint();
    const type = key % 8;
    const number = Math.floor(key / 8);
    if (number === 0) malformed('field number 0');
    if (type === 0) out.push({ number, type, varint: varint(), bytes: undefined });
    else if (type === 2) {
      const length = varint();
      if (length > buf.length - at) malformed('a length runs past the end');
      out.push({ number, type, varint: 0, bytes: buf.subarray(at, at + length) });
      at += length;
    } else if (type === 1 || type === 5) {
      const size = type === 1 ? 8 : 4;
      if (size > buf.length - at) malformed('a fixed field runs past the end');
      at += size;
    } else malformed(`wire type ${type}`);
  }
  return out;
}

function readHeaderMap(buf: Uint8Array): [string, string][] {
  const headers: [string, string][] = [];
  for (const field of readFields(buf)) {
    if (field.number !== 1 || field.bytes === undefined) continue;
    let key = '';
    let value = '';
    let raw: string | undefined;
    for (const part of readFields(field.bytes)) {
      if (part.bytes === undefined) continue;
      if (part.number === 1) key = utf8.decode(part.bytes);
      else if (part.number === 2) value = utf8.decode(part.bytes);
      else if (part.number === 3) raw = utf8.decode(part.bytes);
    }
    headers.push([key.toLowerCase(), raw ?? value]);
  }
  return headers;
}

/**
 * Reads a `ProcessingRequest`. Malformed bytes are `invalid_argument`.
 *
 * @example
 * const request = decodeProcessingRequest(bytes); // { kind: 'request_headers', headers, ... }
 */
export function decodeProcessingRequest(bytes: Uint8Array): ExtProcRequest {
  const out: ExtProcRequest = {
    asyncMode: false,
    kind: undefined,
    headers: [],
    body: undefined,
    endOfStream: false,
  };
  for (const field of readFields(bytes)) {
    if (field.number === 1 && field.type === 0) out.asyncMode = field.varint !== 0;
    const kind = REQUEST_KINDS[field.number];
    if (kind === undefined || field.bytes === undefined) continue;
    // A oneof: the last member on the wire wins (protobuf's rule for a repeated oneof).
    out.kind = kind;
    out.headers = [];
    out.body = undefined;
    out.endOfStream = false;
    for (const part of readFields(field.bytes)) {
      if (kind === 'request_headers' || kind === 'response_headers') {
        if (part.number === 1 && part.bytes !== undefined) out.headers = readHeaderMap(part.bytes);
        else if (part.number === 3 && part.type === 0) out.endOfStream = part.varint !== 0;
      } else if (kind === 'request_body' || kind === 'response_body') {
        if (part.number === 1 && part.bytes !== undefined) out.body = part.bytes;
        else if (part.number === 2 && part.type === 0) out.endOfStream = part.varint !== 0;
      } else if (part.number === 1 && part.bytes !== undefined) {
        out.headers = readHeaderMap(part.bytes);
      }
    }
  }
  return out;
}

/** A message under construction: fields appended in order. */
class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  private varint(value: number): void {
    const out: number[] = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
    this.push(Uint8Array.from(out));
  }

  uint(number: number, value: number): this {
    this.varint(number * 8);
    this.varint(value);
    return this;
  }

  bytes(number: number, value: Uint8Array): this {
    this.varint(number * 8 + 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(number: number, value: string): this {
    return this.bytes(number, encoder.encode(value));
  }

  message(number: number, value: Writer): this {
    return this.bytes(number, value.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

/** `HeaderMutation` (set_headers = 1 of `HeaderValueOption` { header = 1 { key = 1, raw_value = 3 }, append_action = 3 }). */
function headerMutation(headers: readonly [string, string][]): Writer {
  const mutation = new Writer();
  for (const [key, value] of headers) {
    // raw_value, as Envoy sends and expects by default (send_header_raw_value).
    const header = new Writer().string(1, key).bytes(3, encoder.encode(value));
    // OVERWRITE_IF_EXISTS_OR_ADD (2): a header the client sent cannot survive beside ours.
    mutation.message(1, new Writer().message(1, header).uint(3, 2));
  }
  return mutation;
}

/**
 * Writes a `ProcessingResponse`.
 *
 * @example
 * encodeProcessingResponse({ kind: 'request_body', setHeaders: [['x-ctxpack-decision', id]] });
 */
export function encodeProcessingResponse(response: ExtProcResponse): Uint8Array {
  const out = new Writer();
  const field = RESPONSE_FIELDS[response.kind];
  if (response.kind === 'immediate_response') {
    const immediate = new Writer()
      .message(1, new Writer().uint(1, response.status))
      .message(2, headerMutation(response.headers))
      .string(3, response.body)
      .string(5, response.details);
    return out.message(field, immediate).finish();
  }
  if (response.kind === 'request_trailers' || response.kind === 'response_trailers') {
    return out.message(field, new Writer()).finish();
  }
  // HeadersResponse / BodyResponse { response = 1: CommonResponse { status = 1 (CONTINUE = 0), header_mutation = 2 } }
  const cont = response as Extract<ExtProcResponse, { setHeaders?: unknown }>;
  const common = new Writer();
  if (cont.setHeaders !== undefined && cont.setHeaders.length > 0) {
    common.message(2, headerMutation(cont.setHeaders));
  }
  out.message(field, new Writer().message(1, common));
  // mode_override (9): ProcessingMode { request_header_mode = 1: SEND (1), request_body_mode = 3: BUFFERED (2) }.
  if (cont.bufferRequestBody === true) out.message(9, new Writer().uint(1, 1).uint(3, 2));
  return out.finish();
}
