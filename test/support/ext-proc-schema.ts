// The subset of Envoy's ext_proc schema the gateway uses, for protobufjs (an
// encoder independent of the gateway's own codec): the messages of
// envoy/service/ext_proc/v3/external_processor.proto and the types it takes
// from envoy/config/core/v3/base.proto, envoy/type/v3/http_status.proto and
// envoy/extensions/filters/http/ext_proc/v3/processing_mode.proto
// (envoyproxy/data-plane-api @ 6470bb1036888e9b413867c4ee77bc2f609763f8), with
// their field numbers. Used by test/gateway-ext-proc.test.ts and bench/gateway-verify.ts.
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package envoy.service.ext_proc.v3;
message HeaderValue { string key = 1; string value = 2; bytes raw_value = 3; }
message HeaderMap { repeated HeaderValue headers = 1; }
message HeaderValueOption { HeaderValue header = 1; int32 append_action = 3; }
message HttpStatus { int32 code = 1; }
message ProcessingMode { int32 request_header_mode = 1; int32 response_header_mode = 2; int32 request_body_mode = 3; }
message ProcessingRequest {
  bool async_mode = 1;
  oneof request {
    HttpHeaders request_headers = 2;
    HttpHeaders response_headers = 3;
    HttpBody request_body = 4;
    HttpBody response_body = 5;
    HttpTrailers request_trailers = 6;
    HttpTrailers response_trailers = 7;
  }
}
message ProcessingResponse {
  oneof response {
    HeadersResponse request_headers = 1;
    HeadersResponse response_headers = 2;
    BodyResponse request_body = 3;
    BodyResponse response_body = 4;
    TrailersResponse request_trailers = 5;
    TrailersResponse response_trailers = 6;
    ImmediateResponse immediate_response = 7;
  }
  ProcessingMode mode_override = 9;
}
message HttpHeaders { HeaderMap headers = 1; bool end_of_stream = 3; }
message HttpBody { bytes body = 1; bool end_of_stream = 2; }
message HttpTrailers { HeaderMap trailers = 1; }
message HeadersResponse { CommonResponse response = 1; }
message BodyResponse { CommonResponse response = 1; }
message TrailersResponse { HeaderMutation header_mutation = 1; }
message CommonResponse { int32 status = 1; HeaderMutation header_mutation = 2; }
message ImmediateResponse { HttpStatus status = 1; HeaderMutation headers = 2; string body = 3; string details = 5; }
message HeaderMutation { repeated HeaderValueOption set_headers = 1; repeated string remove_headers = 2; }
`;
const root = protobuf.parse(SCHEMA).root;
export const ProcessingRequest: protobuf.Type = root.lookupType(
  'envoy.service.ext_proc.v3.ProcessingRequest',
);
export const ProcessingResponse: protobuf.Type = root.lookupType(
  'envoy.service.ext_proc.v3.ProcessingResponse',
);
