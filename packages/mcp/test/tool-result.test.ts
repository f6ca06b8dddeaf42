import {
  InvalidMcpInputError,
  PART_SEPARATOR,
  TOOL_ERROR_LABEL,
  type ToolResultPart,
  toolResultToBlock,
} from '@ctxpack/mcp';
import { digestContent } from '@ctxpack/provenance';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const options = {
  tenant: 'acme',
  server: 'weather',
  tool: 'get_report',
  callId: 'c1',
  now: new Date('2026-01-01T00:00:00Z'),
};
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

describe('toolResultToBlock', () => {
  it('turns every content type into parts of one untrusted tool-result block with provenance', () => {
    const block = toolResultToBlock(
      {
        content: [
          { type: 'text', text: 'Station LFPG reports 18°C.' },
          { type: 'image', data: PNG, mimeType: 'image/png' },
          { type: 'audio', data: 'AAEC', mimeType: 'audio/wav' },
          {
            type: 'resource',
            resource: { uri: 'weather://metar', mimeType: 'text/plain', text: 'LFPG 24012KT' },
          },
          { type: 'resource', resource: { uri: 'weather://radar', mimeType: 'image/gif', blob: 'R0lG' } },
          { type: 'resource_link', uri: 'weather://history', name: 'history', description: 'Past week.' },
        ],
        structuredContent: { station: 'LFPG', tempC: 18 },
      },
      options,
    );
    const expected = [
      'Station LFPG reports 18°C.',
      '[image omitted: image/png, 68 bytes, sha256:63ef318d96b5d0d0ceba6e04a4e622b1158335cdc67c49e27839132c6f655058]',
      '[audio omitted: audio/wav, 3 bytes, sha256:ae4b3280e56e2faf83f414a6e3dabe9d5fbe18976544c05fed121accb85b53fc]',
      'LFPG 24012KT',
      `[embedded resource omitted: weather://radar, image/gif, 3 bytes, ${digestContent(new Uint8Array([0x47, 0x49, 0x46]))}]`,
      '[resource link: weather://history history]\nPast week.',
      '{"station":"LFPG","tempC":18}',
    ];
    expect(block.content).toBe(expected.join(PART_SEPARATOR));
    expect(block).toMatchObject({
      kind: 'tool-result',
      trust: 'untrusted',
      tenant: 'acme',
      group: 'call:c1',
      createdAt: '2026-01-01T00:00:00.000Z',
      source: { type: 'mcp', server: 'weather', tool: 'get_report', callId: 'c1' },
    });
    expect(block.source.uri).toBeUndefined(); // several URIs: they are in the parts
    expect(block.labels).not.toContain(TOOL_ERROR_LABEL);
    const parts = (block.meta['mcp'] as { parts: ToolResultPart[] }).parts;
    expect(parts.map((p) => block.content.slice(p.start, p.end))).toEqual(expected);
    expect(parts.map((p) => p.type)).toEqual([
      'text',
      'image',
      'audio',
      'resource',
      'resource',
      'resource_link',
      'structured',
    ]);
    expect(parts[1]).toMatchObject({ mimeType: 'image/png', bytes: 68 });
    expect(parts[3]?.uri).toBe('weather://metar');
  });

  it('sets source.uri when the result holds exactly one resource', () => {
    const block = toolResultToBlock(
      { content: [{ type: 'resource', resource: { uri: 'file:///a.md', text: '# A' } }] },
      options,
    );
    expect(block.source.uri).toBe('file:///a.md');
  });

  it('marks isError results, and an empty error still leaves a trace', () => {
    const block = toolResultToBlock(
      { content: [{ type: 'text', text: 'quota exceeded' }], isError: true },
      options,
    );
    expect(block.labels).toContain(TOOL_ERROR_LABEL);
    expect(block.meta).toMatchObject({ mcp: { isError: true } });
    const empty = toolResultToBlock({ content: [], isError: true }, options);
    expect(empty.content).toBe('[the tool reported an error without any content]');
    expect(empty.labels).toContain(TOOL_ERROR_LABEL);
    expect(toolResultToBlock({ content: [] }, options).content).toBe('[the tool returned no content]');
  });

  it('adds structuredContent only when no text part mirrors it, unless told', () => {
    const mirrored = {
      content: [{ type: 'text', text: '{ "tempC": 18, "station": "LFPG" }' }],
      structuredContent: { station: 'LFPG', tempC: 18 },
    };
    expect(toolResultToBlock(mirrored, options).content).toBe('{ "tempC": 18, "station": "LFPG" }');
    expect(toolResultToBlock(mirrored, { ...options, structuredContent: 'always' }).content).toContain(
      `${PART_SEPARATOR}{"station":"LFPG","tempC":18}`,
    );
    expect(
      toolResultToBlock(
        { content: [], structuredContent: { a: 1 } },
        { ...options, structuredContent: 'never' },
      ).content,
    ).toBe('[the tool returned no content]');
  });

  it('generates a call id when none is given and keeps unknown content types visible', () => {
    const block = toolResultToBlock(
      { content: [{ type: 'hologram', data: 'x' }] },
      { tenant: 't', server: 's', tool: 'x' },
    );
    expect(block.source.callId).toMatch(/^mcp_[0-9a-f]{18}$/);
    expect(block.content).toBe('[unsupported MCP content type "hologram"]');
  });

  it.each([
    [null, '(result)'],
    [{ content: 'text' }, 'content'],
    [{ content: [42] }, 'content[0]'],
    [{ content: [{ type: 'text' }] }, 'content[0].text'],
    [{ content: [{ type: 'image', data: 'not base64!', mimeType: 'image/png' }] }, 'content[0].data'],
    [{ content: [{ type: 'image', data: 'AAAAA', mimeType: 'image/png' }] }, 'content[0].data'],
    [{ content: [{ type: 'resource', resource: { uri: 'x:y' } }] }, 'content[0].resource.blob'],
    [{ structuredContent: [1] }, 'content'],
    [{ content: [], structuredContent: { n: Number.NaN } }, 'structuredContent'],
    [{ content: Array.from({ length: 1025 }, () => ({ type: 'text', text: '' })) }, 'content'],
  ])('rejects malformed result %# with a typed error at its path', (input, path) => {
    let error: unknown;
    try {
      toolResultToBlock(input, options);
    } catch (e) {
      error = e;
    }
    expect(InvalidMcpInputError.isInstance(error)).toBe(true);
    expect((error as InvalidMcpInputError).code).toBe('invalid_mcp_input');
    expect((error as InvalidMcpInputError).path).toBe(path);
  });

  it('never throws anything but InvalidMcpInputError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          toolResultToBlock(value, options);
        } catch (e) {
          expect(InvalidMcpInputError.isInstance(e)).toBe(true);
        }
      }),
    );
  });

  it('keeps text byte-identical', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const block = toolResultToBlock({ content: [{ type: 'text', text }] }, options);
        expect(block.content).toBe(text);
      }),
    );
  });
});
