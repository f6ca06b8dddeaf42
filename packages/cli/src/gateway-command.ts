import { resolve } from 'node:path';
import { GatewayConfigError } from '@ctxpack/gateway';
import { startGatewayServer } from '@ctxpack/gateway/node';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { expectPositionals, parseCommandArgs } from './parse-command-args.js';

export const GATEWAY_HELP = `Usage: ctxpack gateway --config gateway.json [--port 8787] [--host 127.0.0.1] [--ext-proc-port 9002]

Runs the verifying guardrail service of @ctxpack/gateway until SIGINT or SIGTERM:
  POST /verify                           raw body + x-ctxpack-envelope: allow, or deny with the code
  POST /beta/litellm_basic_guardrail_api LiteLLM Generic Guardrail API (pre_call and post_call)
  POST /kong/guardrail                   Kong AI Custom Guardrail (INPUT and OUTPUT)
  GET  /healthz, GET /metrics            health and Prometheus metrics
  gRPC envoy.service.ext_proc.v3         Envoy's ext_proc filter, with --ext-proc-port
                                         (processing_mode: request_body_mode BUFFERED)
The config names tenants, audiences, JWKS key sets (re-read when the files
change), the replay store (memory or Redis) and the audit store (a Redis
Stream chain: check it with 'ctxpack audit verify --redis URL --stream KEY').

Options:
  --config file  the gateway config (JSON)
  --port n       port to listen on (default 8787; 0 picks a free one)
  --host addr    address to bind (default 127.0.0.1)
  --ext-proc-port n  also serve Envoy ext_proc (gRPC) on this port
  -h, --help     show this help

Exit status: 0 after a signal, 2 usage, config or key set error.`;

/** `ctxpack gateway --config file`. */
export async function runGateway(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('gateway', args, {
    config: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    'ext-proc-port': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) {
    io.stdout.write(`${GATEWAY_HELP}\n`);
    return 0;
  }
  expectPositionals('gateway', positionals, []);
  const config = values['config'] as string | undefined;
  if (config === undefined) {
    throw new CliError({
      code: 'cli_usage',
      message: "gateway needs --config <file>. Run 'ctxpack gateway --help'.",
    });
  }
  const portOf = (flag: string, text: string): number => {
    const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
    if (!(port >= 0 && port <= 65_535)) {
      throw new CliError({ code: 'cli_usage', message: `--${flag} must be 0–65535, got '${text}'.` });
    }
    return port;
  };
  const port = portOf('port', (values['port'] as string | undefined) ?? '8787');
  const extProcText = values['ext-proc-port'] as string | undefined;
  const extProcPort = extProcText === undefined ? undefined : portOf('ext-proc-port', extProcText);
  let server: Awaited<ReturnType<typeof startGatewayServer>>;
  try {
    server = await startGatewayServer({
      configPath: resolve(io.cwd, config),
      port,
      host: (values['host'] as string | undefined) ?? '127.0.0.1',
      ...(extProcPort === undefined ? {} : { extProcPort }),
    });
  } catch (cause) {
    if (GatewayConfigError.isInstance(cause)) {
      throw new CliError({ code: 'cli_input', message: cause.message, cause });
    }
    if ((cause as { code?: string })?.code === 'ENOENT') {
      throw new CliError({
        code: 'cli_input',
        message: `cannot read ${(cause as { path?: string }).path ?? config}`,
        cause,
      });
    }
    throw cause;
  }
  io.stdout.write(`ctxpack gateway listening on ${server.url}\n`);
  if (server.extProcAddress !== undefined) {
    io.stdout.write(`ctxpack gateway ext_proc (gRPC) on ${server.extProcAddress}\n`);
  }
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await server.close();
  return 0;
}
