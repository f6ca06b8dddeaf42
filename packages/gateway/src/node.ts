/**
 * `@ctxpack/gateway/node`: the gateway as a Node HTTP server (config file,
 * Redis stores, JWKS files re-read on change). The main entry stays free of
 * `node:` imports for workers, Deno and Bun.
 *
 * @example
 * import { startGatewayServer } from '@ctxpack/gateway/node';
 */
export type { GatewayServer, GatewayServerOptions } from './node-server.js';
export { startGatewayServer } from './node-server.js';
