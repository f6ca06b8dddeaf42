import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from '@ctxpack/block';
import { assertInteger, assertString, isRecord } from '@ctxpack/block/kernel';
import { createAuditLog } from '@ctxpack/provenance';
import { createRedisAuditStream, createRedisReplayStore } from '@ctxpack/replay-redis';
import { createMemoryReplayStore } from '@ctxpack/sign';
import { startExtProcServer } from './ext-proc-server.js';
import type { GatewayConfig } from './gateway-config.js';
import { DEFAULT_MAX_BODY_BYTES, parseGatewayConfig } from './gateway-config.js';
import type { GatewayAuditSink, GatewayHandler } from './gateway-handler.js';
import { createGatewayHandler } from './gateway-handler.js';
import { createNodeCrypto } from './node-crypto.js';

/** Options of {@link startGatewayServer}. */
export interface GatewayServerOptions {
  /** Path of the JSON config file; JWKS paths in it are resolved against its folder. */
  configPath: string;
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** How often the JWKS files' mtime and size are checked, in ms (default 1,000). */
  pollMs?: number;
  /** Also serve Envoy's ext_proc (gRPC) on this port, same host (0: any free port; default: not served). */
  extProcPort?: number;
}

/** A running gateway. */
export interface GatewayServer {
  /** `http://host:port` */
  readonly url: string;
  readonly handler: GatewayHandler;
  readonly config: GatewayConfig;
  /** Memory audit store only: the chained lines so far. */
  readonly auditLines: readonly string[];
  /** `host:port` of the ext_proc server, when `extProcPort` was given. */
  readonly extProcAddress: string | undefined;
  close(): Promise<void>;
}

// The body is buffered here rather than bridged with Readable.toWeb (a web
// stream per request, a promise per chunk): at most `limit + 1` bytes are
// kept, so an oversized body still reaches the handler as oversized (413)
// without being held whole.
function readNodeBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      if (size > limit) return;
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size > limit) finish();
    };
    const stop = (): void => {
      req.off('data', onData).off('end', finish).off('error', abort).off('close', closed);
    };
    const finish = (): void => {
      stop();
      if (size > limit) req.resume(); // discard the rest
      done(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const abort = (error: unknown): void => {
      stop();
      fail(error);
    };
    const closed = (): void => abort(new Error('the request was closed before its body ended'));
    req.on('data', onData).once('end', finish).once('error', abort).once('close', closed);
  });
}

async function toRequest(req: IncomingMessage, origin: string, limit: number): Promise<Request> {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', origin), {
    method,
    headers,
    ...(hasBody ? { body: await readNodeBody(req, limit) } : {}),
  } as RequestInit);
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  res.writeHead(response.status, headers);
  res.end(Buffer.from(await response.arrayBuffer()));
}

/**
 * Starts the gateway as a Node HTTP server from a config file: the replay
 * store (memory, or Redis through `@ctxpack/replay-redis`), the audit store
 * (none, memory, or a Redis Stream chain), and the key sets, whose JWKS files
 * are re-read whenever their mtime or size changes — no restart to rotate keys.
 *
 * @example
 * const server = await startGatewayServer({ configPath: 'gateway.json', port: 8787 });
 * console.log(`verifying at ${server.url}`);
 */
export async function startGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  if (!isRecord(options)) {
    throw new InvalidArgumentError({ path: 'options', expected: 'an object { configPath }', value: options });
  }
  assertString(options.configPath, 'options.configPath', 4096);
  const port = options.port ?? 0;
  assertInteger(port, 'options.port', 0, 65_535);
  if (options.extProcPort !== undefined) assertInteger(options.extProcPort, 'options.extProcPort', 0, 65_535);
  const host = options.host ?? '127.0.0.1';
  assertString(host, 'options.host', 255);
  const pollMs = options.pollMs ?? 1_000;
  assertInteger(pollMs, 'options.pollMs', 10, 3_600_000);
  const configPath = resolve(options.configPath);
  const config = parseGatewayConfig(await readFile(configPath, 'utf8'), options.configPath);
  const maxBodyBytes = config.limits?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const base = dirname(configPath);
  const jwksPath = (source: string): string => resolve(base, source);

  const replay =
    config.replay.store === 'redis'
      ? createRedisReplayStore({
          url: config.replay.url,
          ...(config.replay.prefix === undefined ? {} : { prefix: config.replay.prefix }),
          ...(config.replay.timeoutMs === undefined ? {} : { timeoutMs: config.replay.timeoutMs }),
        })
      : createMemoryReplayStore();
  const auditLines: string[] = [];
  let audit: GatewayAuditSink | undefined;
  let closeAudit = async (): Promise<void> => undefined;
  if (config.audit?.store === 'memory') {
    audit = createAuditLog({ write: (line) => void auditLines.push(line) });
  } else if (config.audit?.store === 'redis') {
    const url = config.audit.url ?? (config.replay as { url: string }).url;
    const replayRedis = config.replay.store === 'redis' ? config.replay : undefined;
    const shared = replayRedis !== undefined && url === replayRedis.url;
    const stream = createRedisAuditStream({
      url,
      stream: config.audit.stream,
      ...(config.audit.timeoutMs === undefined ? {} : { timeoutMs: config.audit.timeoutMs }),
      ...(shared && replayRedis.prefix !== undefined ? { noncePrefix: replayRedis.prefix } : {}),
    });
    // One Redis for nonces and the trail: each accepted payload is claimed and recorded in one
    // script. Two Redis servers: claims stay with the replay store, so other verifiers see them.
    audit = shared ? stream : { append: (record, options) => stream.append(record, options) };
    closeAudit = () => stream.close();
  }
  const closeStores = async (): Promise<void> => {
    await closeAudit();
    if ('close' in replay) await (replay as { close(): Promise<void> }).close();
  };

  const handler = createGatewayHandler({
    config,
    loadKeySet: (_name, source) => readFile(jwksPath(source), 'utf8'),
    replay,
    native: createNodeCrypto(),
    ...(audit === undefined ? {} : { audit }),
  });
  const failures = await handler.reloadKeys();
  if (failures.length > 0) {
    await closeStores();
    throw failures[0]?.error;
  }

  // Poll rather than fs.watch: a rename-into-place (how key files are
  // deployed atomically) replaces the inode a watcher holds.
  const seen = new Map<string, string>();
  const stamp = async (path: string): Promise<string> => {
    const s = await stat(path).catch(() => undefined);
    return s === undefined ? 'missing' : `${s.mtimeMs}:${s.size}`;
  };
  for (const keySet of Object.values(config.keySets))
    seen.set(keySet.jwks, await stamp(jwksPath(keySet.jwks)));
  let polling = false;
  const timer = setInterval(async () => {
    if (polling) return;
    polling = true;
    try {
      let changed = false;
      for (const keySet of Object.values(config.keySets)) {
        const now = await stamp(jwksPath(keySet.jwks));
        if (now !== seen.get(keySet.jwks)) changed = true;
        seen.set(keySet.jwks, now);
      }
      if (changed) await handler.reloadKeys();
    } finally {
      polling = false;
    }
  }, pollMs);
  timer.unref();

  const server: Server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    const origin = `http://${req.headers.host ?? 'gateway'}`;
    toRequest(req, origin, maxBodyBytes)
      .then(handler)
      .then((response) => writeResponse(response, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"internal_error","message":"the gateway failed; nothing was allowed"}}');
      });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ready());
  });
  const extProc =
    options.extProcPort === undefined
      ? undefined
      : await startExtProcServer({ handler, port: options.extProcPort, host, maxBodyBytes }).catch(
          async (error: unknown) => {
            server.close();
            clearInterval(timer);
            await closeStores();
            throw error;
          },
        );
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    url,
    handler,
    config,
    auditLines,
    extProcAddress: extProc?.address,
    async close(): Promise<void> {
      clearInterval(timer);
      await extProc?.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await closeStores();
    },
  };
}
