import {
  AUDIT_GENESIS,
  appendAuditRecord,
  auditLineHash,
  canonicalizeJson,
  createAuditLink,
  createAuditLog,
  createAuditRecord,
  digestContent,
  MAX_AUDIT_LINE_CHARS,
  ProvenanceError,
  verifyAuditLog,
} from '@ctxpack/provenance';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

function buildLog(n: number): string[] {
  const lines: string[] = [];
  let head = AUDIT_GENESIS;
  for (let i = 0; i < n; i++) {
    const record = createAuditRecord({
      event: 'assemble',
      manifest: { nonce: `n${i}`, treeSize: i },
      findings: { high: i % 3 },
      budget: { used: 100 + i },
      now: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    });
    const line = appendAuditRecord(head, record);
    head = auditLineHash(line);
    lines.push(line);
  }
  return lines;
}

describe('audit chain', () => {
  it('verifies an intact log and returns its head', () => {
    const lines = buildLog(5);
    const result = verifyAuditLog([...lines, '']);
    expect(result).toEqual({ ok: true, count: 5, head: auditLineHash(lines[4] as string) });
    expect(verifyAuditLog([])).toEqual({ ok: true, count: 0, head: AUDIT_GENESIS });
  });

  it('reports the first edited record', () => {
    const lines = buildLog(5);
    lines[2] = (lines[2] as string).replace('"high":2', '"high":0');
    expect(verifyAuditLog(lines)).toMatchObject({
      ok: false,
      index: 2,
      reason: expect.stringMatching(/edited/),
    });
  });

  it('reports a dropped record at the index where the chain breaks', () => {
    const lines = buildLog(5);
    lines.splice(1, 1);
    expect(verifyAuditLog(lines)).toMatchObject({ ok: false, index: 1 });
  });

  it('reports reordered records', () => {
    const lines = buildLog(5);
    [lines[3], lines[4]] = [lines[4] as string, lines[3] as string];
    expect(verifyAuditLog(lines)).toMatchObject({ ok: false, index: 3 });
  });

  it('reports a re-spelled (non-canonical) record even when the values are equal', () => {
    const lines = buildLog(3);
    lines[1] = JSON.stringify(JSON.parse(lines[1] as string), null, 1);
    expect(verifyAuditLog(lines)).toMatchObject({
      ok: false,
      index: 1,
      reason: expect.stringMatching(/canonical/),
    });
  });

  it('detects records cut off the end when the head is known', () => {
    const lines = buildLog(4);
    const head = auditLineHash(lines[3] as string);
    expect(verifyAuditLog(lines.slice(0, 3), { head })).toMatchObject({ ok: false, index: 3 });
    expect(verifyAuditLog(lines, { head }).ok).toBe(true);
  });

  it('rejects garbage lines with a reason, never a throw', () => {
    for (const bad of ['', 'not json', '[]', 'null', '{"prev":1}', '{"hash":"x","prev":"y"}']) {
      const result = verifyAuditLog([bad, 'x']);
      expect(result).toMatchObject({ ok: false, index: 0 });
    }
  });

  it('any single-character change to any line is found', () => {
    const lines = buildLog(4);
    fc.assert(
      fc.property(fc.nat(3), fc.nat(), fc.integer({ min: 32, max: 126 }), (li, pos, code) => {
        const line = lines[li] as string;
        const at = pos % line.length;
        fc.pre(line.charCodeAt(at) !== code);
        const copy = [...lines];
        copy[li] = line.slice(0, at) + String.fromCharCode(code) + line.slice(at + 1);
        const result = verifyAuditLog(copy);
        expect(result.ok).toBe(false);
        expect((result as { index: number }).index).toBeLessThanOrEqual(li + 1);
      }),
    );
  });

  it('createAuditLog chains concurrent appends in order through the injected sink', async () => {
    const written: string[] = [];
    const log = createAuditLog({
      write: async (line) => {
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        written.push(line);
      },
    });
    const records = Array.from({ length: 10 }, (_, i) =>
      createAuditRecord({ event: 'verify', manifest: { i } }),
    );
    await Promise.all(records.map((r) => log.append(r)));
    expect(written).toHaveLength(10);
    expect(verifyAuditLog(written)).toEqual({ ok: true, count: 10, head: log.head() });
    expect(written.map((l) => (JSON.parse(l) as { manifest: { i: number } }).manifest.i)).toEqual([
      ...Array(10).keys(),
    ]);
  });

  it('a failing sink rejects that append and leaves the chain usable', async () => {
    const written: string[] = [];
    let fail = true;
    const log = createAuditLog({
      write: (line) => {
        if (fail) throw new Error('disk full');
        written.push(line);
      },
    });
    await expect(log.append(createAuditRecord({}))).rejects.toThrow('disk full');
    fail = false;
    await log.append(createAuditRecord({}));
    expect(verifyAuditLog(written).ok).toBe(true);
  });

  it('refuses non-JSON record data and a malformed prev hash', () => {
    expect(() => createAuditRecord({ manifest: { n: 1n } })).toThrow(ProvenanceError);
    expect(() => appendAuditRecord('sha256:xyz', createAuditRecord({}))).toThrow(/prevHash/);
  });
});

describe('createAuditLink', () => {
  // The line as the definition writes it: JCS of the record plus prev, hashed; then JCS with the hash too.
  const byDefinition = (prev: string, record: Record<string, unknown>): { line: string; hash: string } => {
    const body = Object.fromEntries(Object.entries(record).filter(([k]) => k !== 'prev' && k !== 'hash'));
    const hash = digestContent(canonicalizeJson({ ...body, prev }));
    return { line: canonicalizeJson({ ...body, prev, hash }), hash };
  };
  // Names on both sides of `hash` and `prev` in UTF-16 order, and the ones that trip naive code.
  const name = fc.oneof(
    fc.constantFrom(
      '',
      'a',
      'at',
      'has',
      'hasg',
      'hash0',
      'hashes',
      'pre',
      'prev0',
      'prew',
      'z',
      '__proto__',
      'é',
      '\u{1f600}',
    ),
    fc.string({ maxLength: 6 }),
  );

  it('splices hash and prev into one canonicalization: equal to the definition for any record and predecessor', () => {
    fc.assert(
      fc.property(
        fc.dictionary(name, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 }),
        fc.constantFrom(AUDIT_GENESIS, `sha256:${'ab'.repeat(32)}`),
        (record, prev) => {
          const own = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
          const link = createAuditLink(own as never)(prev);
          expect(link).toEqual(byDefinition(prev, own));
          expect(appendAuditRecord(prev, own as never)).toBe(link.line);
          expect(auditLineHash(link.line)).toBe(link.hash);
          expect(verifyAuditLog([link.line], { head: link.hash }).ok).toBe(prev === AUDIT_GENESIS);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('one link chains after any predecessor, and refuses a bad one or a bad record', () => {
    const link = createAuditLink(createAuditRecord({ event: 'verify', manifest: { n: 1 } }));
    const first = link(AUDIT_GENESIS);
    const second = link(first.hash);
    expect(verifyAuditLog([first.line, second.line])).toMatchObject({ ok: true, count: 2 });
    expect(() => link('sha256:nope')).toThrow(/prevHash/);
    expect(() => createAuditLink(7 as never)).toThrow(/record/);
    expect(() => createAuditLink({ at: 'x', event: 'e', manifest: () => 1 } as never)).toThrow();
    // The line's size is known before any predecessor: a record one char over is refused up front.
    const fits = createAuditLink({ at: 'x', event: 'e' })(AUDIT_GENESIS).line.length;
    const over = {
      at: 'x',
      event: 'e',
      content: 'x'.repeat(MAX_AUDIT_LINE_CHARS - fits - '"content":"",'.length + 1),
    };
    expect(() => createAuditLink(over)).toThrow(expect.objectContaining({ code: 'invalid_audit_record' }));
    const under = { ...over, content: over.content.slice(1) };
    expect(createAuditLink(under)(AUDIT_GENESIS).line.length).toBe(MAX_AUDIT_LINE_CHARS);
  });
});
