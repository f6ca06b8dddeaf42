// An agent connects to an MCP server over stdio (a real child process),
// scans and pins its tool list, calls a tool, and feeds the result into a
// signed payload as untrusted blocks: the poisoned schema is flagged before
// the model sees it, and the smuggled instruction in the output is removed.
import { fileURLToPath } from 'node:url';
import { diffToolPins, pinTools, scanTools, toolResultToBlock } from '@ctxpack/mcp';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createContext, formatReport, generateKeyPair } from 'ctxpack';

const serverFile = fileURLToPath(new URL('./weather-server.ts', import.meta.url));
const client = new Client({ name: 'travel-agent', version: '1.0.0' });
await client.connect(
  new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', serverFile],
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stderr: 'inherit',
  }),
);

try {
  // 1. The tool list is context too: scan every string of every definition.
  const { tools } = await client.listTools();
  const scan = scanTools(tools, { knownTools: ['send_email'] });
  console.log(`── Tool scan ── ${tools.length} tool(s), highest severity: ${scan.highest}`);
  for (const f of scan.findings)
    console.log(`  [${f.severity}] ${f.tool} ${f.path}: ${f.kind} — ${f.message}`);

  // 2. Pin the definitions (whole, canonical JSON); a later change is reported field by field.
  const pins = pinTools(tools, { server: 'weather' });
  console.log(`── Pinned ── get_weather ${pins.tools['get_weather']?.digest}`);
  const changes = diffToolPins(pins, (await client.listTools()).tools);
  console.log(
    `── Pin check ── ${changes.length === 0 ? 'no changes since pinning' : JSON.stringify(changes)}`,
  );

  // 3. Call the tool; its result becomes untrusted, provenance-tagged blocks.
  const ctx = createContext({ tenant: 'acme', signer: generateKeyPair() });
  ctx.system('You are a travel assistant. Answer briefly.', { pinned: true });
  ctx.user('Do I need an umbrella in Paris?', { pinned: true });
  ctx.toolCall({ name: 'get_weather', callId: 'call_1', arguments: { city: 'Paris' } });
  const result = await client.callTool({ name: 'get_weather', arguments: { city: 'Paris' } });
  ctx.add(
    toolResultToBlock(result, { tenant: 'acme', server: 'weather', tool: 'get_weather', callId: 'call_1' }),
  );
  const payload = await ctx.assemble({ target: 'openai-chat', maxTokens: 2_000, reserveOutput: 300 });
  console.log('── Assembly report ──');
  console.log(formatReport(payload.report));
  const sent = JSON.stringify(payload.request);
  console.log(
    `── Smuggled text in the request: ${/[\u{E0000}-\u{E007F}]/u.test(sent) ? 'PRESENT' : 'removed'} ──`,
  );
} finally {
  await client.close();
}
