import { InvalidArgumentError } from '@ctxpack/block';
import { isRecord } from '@ctxpack/block/kernel';
import type { Finding } from '@ctxpack/escape';
import { sanitize } from '@ctxpack/escape';

/** Which tool definitions came from an untrusted source (an MCP server): all of them, or these names. */
export type UntrustedTools = boolean | readonly string[];

/** What sanitizing one untrusted tool definition's description found. */
export interface ToolDefinitionFindings {
  /** The tool's name. */
  tool: string;
  /** Where the description is in the params, e.g. `tools[2].function.description`. */
  path: string;
  findings: Finding[];
}

/**
 * Sanitizes the descriptions of untrusted tool definitions in `params.tools`
 * as untrusted text (the same `sanitize` as an untrusted block: fake turns
 * and special tokens neutralized, invisible characters stripped) — a changed
 * definition is a copy in a new `params.tools`, the body it came from is not
 * modified — and returns what was found per tool. A definition is never dropped: the
 * model still gets the tool, with its description made inert; the findings
 * let the caller decide. Reads OpenAI chat (`function.description`),
 * Responses, Anthropic and AI SDK (`description`) tool shapes.
 */
export function sanitizeToolDefinitions(
  params: Record<string, unknown>,
  untrusted: UntrustedTools,
): ToolDefinitionFindings[] {
  if (typeof untrusted !== 'boolean' && !Array.isArray(untrusted)) {
    throw new InvalidArgumentError({
      path: 'options.untrustedTools',
      expected: 'a boolean or an array of tool names',
      value: untrusted,
    });
  }
  const tools = params['tools'];
  const out: ToolDefinitionFindings[] = [];
  if (untrusted === false || !Array.isArray(tools)) return out;
  const names = untrusted === true ? undefined : new Set(untrusted);
  const copy = tools.slice();
  for (let i = 0; i < copy.length; i++) {
    const tool: unknown = copy[i];
    if (!isRecord(tool)) continue;
    const nested = isRecord(tool['function']);
    const holder = (nested ? tool['function'] : tool) as Record<string, unknown>;
    const name = typeof holder['name'] === 'string' ? holder['name'] : String(i);
    if (names !== undefined && !names.has(name)) continue;
    const description = holder['description'];
    if (typeof description !== 'string') continue;
    const result = sanitize(description, { trust: 'untrusted' });
    if (result.changed) {
      const changed = { ...holder, description: result.text };
      copy[i] = nested ? { ...tool, function: changed } : changed;
    }
    if (result.findings.length > 0) {
      out.push({
        tool: name,
        path: nested ? `tools[${i}].function.description` : `tools[${i}].description`,
        findings: result.findings,
      });
    }
  }
  params['tools'] = copy;
  return out;
}
