import { InvalidMcpInputError, TOOL_ERROR_LABEL, toolResultToBlocks } from '@ctxpack/mcp';
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

describe('toolResultToBlocks', () => {
  it('turns every content type into an untrusted tool-result block with provenance', () => {
    const blocks = toolResultToBlocks(
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
    expect(blocks.map((b) => b.content)).toEqual([
      'Station LFPG reports 18°C.',
      expect.stringMatching(
        /^\[image omitted: image\/png, 68 bytes, sha256:63ef318d96b5d0d0ceba6e04a4e622b1158335cdc67c49e27839132c6f655058\]$/,
      ),
      expect.stringMatching(
        /^\[audio omitted: audio\/wav, 3 bytes, sha256:ae4b3280e56e2faf83f414a6e3dabe9d5fbe18976544c05fed121accb85b53fc\]$/,
      ),
      'LFPG 24012KT',
      expect.stringMatching(/^\[embedded resource omitted: weather:\/\/radar, image\/gif, 3 bytes, sha256:/),
      '[resource link: weather://history history]\nPast week.',
      '{"station":"LFPG","tempC":18}',
    ]);
    for (const b of blocks) {
      expect(b).toMatchObject({
        kind: 'tool-result',
        trust: 'untrusted',
        tenant: 'acme',
        group: 'call:c1',
        createdAt: '2026-01-01T00:00:00.000Z',
        source: { type: 'mcp', server: 'weather', tool: 'get_report', callId: 'c1' },
      });
      expect(b.labels).not.toContain(TOOL_ERROR_LABEL);
    }
    expect(blocks[3]?.source.uri).toBe('weather://metar');
    expect(blocks[5]?.source.uri).toBe('weather://history');
    expect(blocks[1]?.meta).toMatchObject({
      mcp: { part: 1, type: 'image', mimeType: 'image/png', bytes: 68 },
    });
  });

  it('marks isError results on every block, and an empty error still leaves a trace', () => {
    const blocks = toolResultToBlocks(
      { content: [{ type: 'text', text: 'quota exceeded' }], isError: true },
      options,
    );
    expect(blocks[0]?.labels).toContain(TOOL_ERROR_LABEL);
    expect(blocks[0]?.meta).toMatchObject({ mcp: { isError: true } });
    const empty = toolResultToBlocks({ content: [], isError: true }, options);
    expect(empty).toHaveLength(1);
    expect(empty[0]?.labels).toContain(TOOL_ERROR_LABEL);
    expect(toolResultToBlocks({ content: [] }, options)).toEqual([]);
  });

  it('adds structuredContent only when no text part mirrors it, unless told', () => {
    const mirrored = {
      content: [{ type: 'text', text: '{ "tempC": 18, "station": "LFPG" }' }],
      structuredContent: { station: 'LFPG', tempC: 18 },
    };
    expect(toolResultToBlocks(mirrored, options)).toHaveLength(1);
    expect(toolResultToBlocks(mirrored, { ...options, structuredContent: 'always' })).toHaveLength(2);
    expect(
      toolResultToBlocks(
        { content: [], structuredContent: { a: 1 } },
        { ...options, structuredContent: 'never' },
      ),
    ).toEqual([]);
  });

  it('generates a call id when none is given and keeps unknown content types visible', () => {
    const [block] = toolResultToBlocks(
      { content: [{ type: 'hologram', data: 'x' }] },
      { tenant: 't', server: 's', tool: 'x' },
    );
    expect(block?.source.callId).toMatch(/^mcp_[0-9a-f]{18}$/);
    expect(block?.content).toBe('[unsupported MCP content type "hologram"]');
  });

  it.each([
    [null, '(result)'],
    [{ content: 'text' }, 'content'],
    [{ content: [42] }, 'content[0]'],
    [{ content: [{ type: 'text' }] }, 'content[0].text'],
    [{ content: [{ type: 'image', data: 'not base64!', mimeType: 'image/png' }] }, 'content[0].data'],
    [{ content: [{ type: 'image', data: 'AAAAA', mimeType: 'image/png' }] }, 'content[0].data'],
    [{ content: [{ type: 'resource', resource: { uri: 'x:y' } }] }, 'content[0].resource.blob'],
    [{ content: [], structuredContent: [1] }, 'structuredContent'],
    [{ content: [], structuredContent: { n: Number.NaN } }, 'structuredContent'],
    [{ content: Array.from({ length: 1025 }, () => ({ type: 'text', text: '' })) }, 'content'],
  ])('rejects malformed result %# with a typed error at its path', (input, path) => {
    let error: unknown;
    try {
      toolResultToBlocks(input, options);
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
          toolResultToBlocks(value, options);
        } catch (e) {
          expect(InvalidMcpInputError.isInstance(e)).toBe(true);
        }
      }),
    );
  });

  it('keeps text byte-identical', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const [block] = toolResultToBlocks({ content: [{ type: 'text', text }] }, options);
        expect(block?.content).toBe(text);
      }),
    );
  });
});
