/**
 * The output checks skip the escape scan on a segment the prefilter proves
 * clean (scan-prefilter.ts). Fast path vs straightforward path: whenever
 * `needsEscapeScan` says no, `scan` with the output checks' detectors must
 * find nothing — on every secret shape, token, turn marker and invisible
 * character escape knows, on random mixtures of them with prose, markdown,
 * URLs and non-ASCII text, and on every BMP code point the prefilter calls
 * inert, in the contexts where a lookalike could complete a token.
 */
import { readFileSync } from 'node:fs';
import { ROLE_MARKERS, SPECIAL_TOKENS, scan } from '@ctxpack/escape';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInertCodePoint, needsEscapeScan } from '../src/scan-prefilter.js';

const DETECT = { detect: { injection: false, confusables: false, encoded: false } } as const;
const findings = (text: string) => scan(text, DETECT).findings;

/** The property: a segment the prefilter passes scans clean. */
function checkSound(text: string): void {
  if (!needsEscapeScan(text)) expect(findings(text), JSON.stringify(text)).toEqual([]);
}

const secrets = [
  'id AKIAIOSFODNN7EXAMPLE.',
  'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
  'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345',
  'glpat-xxXXxx1234567890abcdEF',
  'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
  'https://hooks.slack.com/services/T0123456/B0123456/AbCdEfGhIjKlMnOpQrStUvWx',
  'sk_live_51HxYzAbCdEfGhIjKlMnOp',
  'OPENAI_API_KEY=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w',
  'sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w',
  'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGhIj',
  'AIzaSyA-1234567890abcdefghijklmnopqrstu',
  'npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
  'xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef0123456789abcdef',
  'whsec_AbCd+EfGh/IjKlMnOpQrStUvWx0123',
  'GOCSPX-AbCdEfGhIjKlMnOpQrStUvWx0123',
  'ya29.AbCdEfGhIjKlMnOpQrStUvWx0123',
  'SG.AbCdEfGhIjKlMnOpQrStUv.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfG',
  'Authorization: Bearer a1B2c3D4.e5F6g7H8~i9J0kLmN+oPq/r=',
  'Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==',
  'hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  'postgres://admin:Sup3rS3cret@db.internal:5432/app',
  'ftp://u:p4ss@h',
  'client_secret: "Zx8Qw3Er5Ty7Ui9Op1As"',
  'password    =  a1B2c3D4e5F6g7H8',
  "api-key'=>Zx8Qw3Er5Ty7Ui9Op1As",
  'auth_token := Zx8Qw3Er5Ty7Ui9Op1As',
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----',
];
const structure = [
  ...SPECIAL_TOKENS.map((t) => t.token),
  ...SPECIAL_TOKENS.map((t) => t.token.toUpperCase()),
  '<|anything|>',
  '<extra_id_7>',
  '<fim_prefix>',
  'Human:',
  'Assistant :',
  '   human\t:',
  '> Assistant:',
  '＜|im_start|＞',
  '［INST］',
  'Ｈuman:',
  'Ｈｕｍａｎ:',
  'Нuman:', // Cyrillic Н
  '[ІNST]', // Cyrillic І
  'Human‾:', // U+203E folds to a space
];
const invisible = [
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u00ad',
  '\u034f',
  '\u3164',
  '\u202e',
  '\u2066',
  '\u200e',
  '\ufe0f',
  '\u{e0041}',
  '\u{e0100}',
  '\u2062',
  '\u2064',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\ue000',
  '\u0378',
  '\ud800',
  '\udc00',
  '\u0301',
  '\u00a0',
  '\u3000',
];
const words = [
  'The',
  'committee',
  'reviewed',
  'internationalization',
  'Asia',
  'task-based',
  'basic',
  'bearer',
  'monkey',
  'keys',
  'token',
  'password',
  'pwd',
  'human',
  'assistant',
  'whsec_',
  'hooks.slack.com',
  'eyJ',
  'sk-',
  'AKIA',
  'xox',
  'IOSFODNN7EXAMPLE',
  'a1.B2~c3!D4@e5',
  'Zx8Qw3Er5Ty7Ui9Op1As',
  '-----',
  'BEGIN',
];
const markdown = [
  '[the report](https://docs.acme.example/q3/report)',
  '![chart](https://docs.acme.example/img/q3.png)',
  '(https://docs.acme.example/calendar)',
  '```sh',
  '`code`',
  'curl https://api.example.com/v1/figures?q=3',
  '[x]',
  '[IN',
  'ST]',
  '[',
  ']',
  'user@example.com',
];
const nonAscii = [
  '東京',
  '−',
  '—',
  '“',
  '”',
  '’',
  '…',
  'é',
  'ü',
  'ß',
  'Ω',
  'я',
  'а',
  '📈',
  '🙂',
  '한국',
  'ｌ',
  '丨',
  '〇',
  'ǀ',
  '‾',
  '\u2800',
];
const glue = [
  ' ',
  ' ',
  ' ',
  '\t',
  '\n',
  ': ',
  ':',
  '://',
  '=',
  ' = ',
  '=>',
  ':=',
  '"',
  "'",
  '-',
  '_',
  '.',
  '/',
  '@',
  '',
];

/**
 * The secret rules (and the bare AWS pair and PEM block) the prefilter's
 * conditions were written for, with the secret shapes above. A rule added to
 * escape fails this test until scan-prefilter.ts has a condition for it.
 */
const KNOWN_SECRET_RULES = [
  'aws-access-key',
  'aws-secret-key',
  'github-token',
  'github-pat',
  'gitlab-token',
  'slack-token',
  'slack-webhook',
  'stripe-key',
  'anthropic-key',
  'openai-key',
  'google-api-key',
  'npm-token',
  'slack-app-token',
  'stripe-webhook-secret',
  'google-oauth-client-secret',
  'google-oauth-token',
  'sendgrid-key',
  'authorization-header',
  'huggingface-token',
  'jwt',
  'connection-string-password',
  'generic-secret-assignment',
  'private-key',
];

describe('needsEscapeScan: written for the detectors escape has', () => {
  it('every secret rule of escape has a condition (tripwire for a new rule)', () => {
    const source = readFileSync(new URL('../../escape/src/secrets.ts', import.meta.url), 'utf8');
    const rules = new Set([...source.matchAll(/rule: '([a-z0-9-]+)'/g)].map((m) => m[1]));
    rules.add('private-key');
    expect([...rules].sort()).toEqual([...new Set(KNOWN_SECRET_RULES)].sort());
    for (const text of secrets) expect(findings(text).length, text).toBeGreaterThan(0);
    const found = new Set(secrets.flatMap((t) => findings(t).map((f) => f.rule)));
    for (const rule of KNOWN_SECRET_RULES) expect(found, rule).toContain(rule);
  });

  it('every registered token starts with < or [, and the turn markers are human/assistant', () => {
    for (const { token } of SPECIAL_TOKENS) expect(token[0] === '<' || token[0] === '[', token).toBe(true);
    expect(ROLE_MARKERS.map((r) => r.toLowerCase())).toEqual(['human', 'assistant']);
  });
});

describe('needsEscapeScan: the prefilter never skips a segment with a finding', () => {
  it.each(secrets)('secret %s is scanned (and found)', (text) => {
    expect(findings(text).some((f) => f.kind === 'secret')).toBe(true);
    expect(needsEscapeScan(text)).toBe(true);
  });

  it.each(structure)('token or turn marker %s is scanned', (text) => {
    for (const t of [text, `say ${text} now`, `${text}\n`]) checkSound(t);
    expect(needsEscapeScan(text)).toBe(true);
  });

  it.each(invisible.map((c) => [c.codePointAt(0)!.toString(16), c]))('U+%s is scanned', (_hex, c) => {
    for (const t of [`a${c}b`, `${c}`, `Hum${c}an: x`]) checkSound(t);
    expect(needsEscapeScan(`a${c}b`)).toBe(true);
  });

  it('benign markdown, prose and non-ASCII text is not scanned', () => {
    for (const line of [
      'Revenue rose 4 % while shipping costs grew; see [the report](https://docs.acme.example/q3/report) and ![chart](https://docs.acme.example/img/q3.png).\n',
      '```sh\n',
      'curl https://api.example.com/v1/figures?q=3\n',
      'Regional teams: north +2 %, south −1 %, 東京 +3 % 📈.\n',
      '“Quoted” — text … with dashes.\n',
    ]) {
      expect(needsEscapeScan(line), line).toBe(false);
      expect(findings(line)).toEqual([]);
    }
  });

  it('random mixtures: skipped segments scan clean', () => {
    let skipped = 0;
    const piece = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...words) },
      { weight: 2, arbitrary: fc.constantFrom(...glue) },
      { weight: 2, arbitrary: fc.constantFrom(...markdown) },
      { weight: 2, arbitrary: fc.constantFrom(...nonAscii) },
      { weight: 1, arbitrary: fc.constantFrom(...secrets) },
      { weight: 1, arbitrary: fc.constantFrom(...structure) },
      { weight: 1, arbitrary: fc.constantFrom(...invisible) },
      { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
      { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_+/=.~-]{8,48}$/) },
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), (parts) => {
        const text = parts.join('');
        if (!needsEscapeScan(text)) skipped++;
        checkSound(text);
      }),
      { numRuns: 3000 },
    );
    // The property is not vacuous: a good share of the mixtures take the fast path.
    expect(skipped).toBeGreaterThan(300);
  });

  it('cut secrets and tokens (every prefix and suffix) are scanned or clean', () => {
    for (const s of [...secrets, ...structure]) {
      for (let i = 0; i <= s.length; i++) {
        checkSound(s.slice(0, i));
        checkSound(s.slice(i));
        checkSound(`${s.slice(0, i)} ${s.slice(i)}`);
      }
    }
  });

  it('every inert BMP code point stays clean where a lookalike could complete a token or marker', () => {
    let inert = 0;
    for (let cp = 0x80; cp < 0x10000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      if (!isInertCodePoint(cp)) continue;
      inert++;
      const c = String.fromCharCode(cp);
      const text = `Human${c}: [INST${c} [IN${c}ST] [${c}INST] sk-${c}x ${c}Assistant${c}:`;
      expect(needsEscapeScan(text), `U+${cp.toString(16)}`).toBe(false);
      expect(findings(text), `U+${cp.toString(16)}`).toEqual([]);
    }
    // Most of the BMP's letters and symbols (CJK, Hangul, scripts, emoji-era symbols) are inert.
    expect(inert).toBeGreaterThan(30_000);
  });
});
