import { sanitize, scan } from '@ctxpack/escape';
import { describe, expect, it } from 'vitest';

// Inputs where one edit (a removal, a redaction, a neutralization) used to
// leave or create something that a second `sanitize` would change.
const cases: [string, string][] = [
  // Found by the coverage-guided fuzzer (test/fuzz/corpus/sanitize/crash-c8f03156d85cdc8f):
  // a PEM header inside an angle-pipe token was dropped in favour of the token.
  ['secret inside a token', '<|im_<\u{E001B}|im_star-----BEGIN PRIVATE KEY-----t|>start|>'],
  ['token inside a secret', 'postgres://u:<|im_start|>@db.example'],
  // A capped match used to end mid-run; its marker then put a word boundary
  // before the rest, where the next pass found another token.
  ['capped Slack token followed by more of its run', `xoxb-${'a1'.repeat(125)}xoxb-${'b2'.repeat(10)}`],
  ['capped assignment followed by a key', `password=${'a1B2'.repeat(60)}AKIAIOSFODNN7EXAMPLE`],
  // A marker used to read as the user part of a connection string.
  ['key as a connection-string user', 'mysql://AKIAIOSFODNN7EXAMPLE@db.example'],
  ['overlapping secrets', 'redis://u:AKIAIOSFODNN7EXAMPLE.x@h.example'],
  // Redaction joins `<|` and `|>` into a token.
  ['redaction closes a token', `<|ghp_${'A'.repeat(70)}|>`],
  // The RTL letters that licensed the LRM were inside the redacted password.
  ['redaction takes away an LRM context', 'ftp://u:שלוםעולם@\u200Eh.example'],
  ['stripped invisible joins a token around a secret', '<|\u200Bsk-ant-api03-' + 'x'.repeat(40) + '\u200B|>'],
];

describe('sanitize reaches a fixed point after every kind of edit', () => {
  it.each(cases)('%s', (_name, input) => {
    const once = sanitize(input);
    const twice = sanitize(once.text);
    expect(twice.text).toBe(once.text);
    expect(twice.changed).toBe(false);
    const left = scan(once.text).findings.filter((f) =>
      ['special-token', 'role-marker', 'secret', 'bidi-control', 'tag-characters'].includes(f.kind),
    );
    expect(left).toEqual([]);
    for (const f of once.findings) {
      expect(f.start).toBeGreaterThanOrEqual(0);
      expect(f.end).toBeLessThanOrEqual(input.length);
    }
  });

  it('the fuzzer crash input redacts the key and neutralizes the token around it', () => {
    const r = sanitize(cases[0]![1]);
    expect(r.text).toBe('<|im_⟨|im_star[REDACTED:private-key]t|⟩start|>');
    expect(r.findings.map((f) => f.kind).sort()).toEqual(['secret', 'special-token', 'tag-characters']);
  });

  it('a secret run longer than the pattern cap is redacted whole', () => {
    const r = sanitize(cases[2]![1]);
    expect(r.text).toBe('[REDACTED:slack-token]');
  });

  it('a redaction that closes a token is neutralized and reported at the source range', () => {
    const input = cases[6]![1];
    const r = sanitize(input);
    expect(r.text).toBe('⟨|⟦REDACTED:github-token⟧|⟩');
    const formed = r.findings.find((f) => f.kind === 'special-token');
    expect(formed?.message).toMatch(/formed by an edit/);
    expect([formed?.start, formed?.end]).toEqual([0, input.length]);
  });

  it('a mark that loses its right-to-left context is removed in the same call', () => {
    const r = sanitize(cases[7]![1]);
    expect(r.text).toBe('ftp://u:[REDACTED:connection-string-password]@h.example');
    expect(r.findings.some((f) => f.kind === 'bidi-control' && f.start === 17)).toBe(true);
  });

  it('nested tokens deeper than the pass bound still end without a token (strip action)', () => {
    const depth = 40;
    const input = `${'<|im_'.repeat(depth)}start|>${'start|>'.repeat(depth - 1)}`;
    const r = sanitize(input, { actions: { specialTokens: 'strip' } });
    expect(scan(r.text).findings.filter((f) => f.kind === 'special-token')).toEqual([]);
    expect(sanitize(r.text, { actions: { specialTokens: 'strip' } }).text).toBe(r.text);
  });

  it('markers written in the input are not secrets', () => {
    const text = 'x://[REDACTED:aws-access-key]@h and token=[REDACTED:openai-key]';
    expect(sanitize(text).findings.filter((f) => f.kind === 'secret')).toEqual([]);
  });
});

describe('confusable word chunks', () => {
  // Words are runs of letters, marks, digits and `_` cut into 64-code-point chunks.
  it('judges each 64-code-point chunk of a long run on its own', () => {
    const run = `\u0430${'b'.repeat(63)}${'c'.repeat(63)}\u0430${'d'.repeat(10)}`;
    const found = sanitize(run)
      .findings.filter((f) => f.kind === 'mixed-script-confusable')
      .map((f) => [f.start, f.end]);
    expect(found).toEqual([
      [0, 64],
      [64, 128],
    ]);
  });

  it('skips a one-code-point tail and counts astral letters as one', () => {
    const run = `${'x'.repeat(63)}\u{1D41A}\u0430`;
    // 63 + 1 code points fill the first chunk (65 code units); the Cyrillic tail is alone.
    expect(sanitize(run).findings.filter((f) => f.kind === 'mixed-script-confusable')).toEqual([]);
  });
});
