/**
 * `@ctxpack/gateway/node`: the gateway as a Node HTTP server (config file,
 * Redis stores, JWKS files re-read on change). The main entry stays free of
 * `node:` imports for workers, Deno and Bun. `createNodeCrypto` gives the
 * verifier node:crypto's SHA-256 and Ed25519 (the server uses it itself).
 * `startExtProcServer` serves Envoy's external processing API (gRPC) in
 * front of a handler.
 *
 * @example
 * import { startGatewayServer } from '@ctxpack/gateway/node';
 */
export type { ExtProcServer, ExtProcServerOptions } from './ext-proc-server.js';
export { startExtProcServer } from './ext-proc-server.js';
export { createNodeCrypto } from './node-crypto.js';
export type { GatewayServer, GatewayServerOptions } from './node-server.js';
export { startGatewayServer } from './node-server.js';
