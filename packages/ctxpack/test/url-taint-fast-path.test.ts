/**
 * `findUrlTaint` rejects most URLs with one probe of their joined parts
 * before building any candidate (find-taint.ts, mayCarryTaint). Fast path vs
 * straightforward path: on random URLs that carry tainted bytes as written,
 * percent-, base64-, base64url- or hex-encoded, whole or split across
 * subdomain labels, path segments and query parameters (or carry nothing),
 * both return the same hit — length, owners, channel and decoding.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findUrlTaint, findUrlTaintExhaustive } from '../src/find-taint.js';
import { hostOf } from '../src/response-scanner.js';
import { createByteIndex } from '../src/taint-index.js';

const enc = new TextEncoder();
const sources = [
  'Internal code ORCHID-5521-ZETA. The committee reviewed the quarterly figures.',
  'Customer: Dana Poe, dana.poe@customer.example, +1 555 0100',
  'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w and a café in 東京 📈',
  'The committee reviewed the quarterly figures, noted a rise in shipping costs.',
];
const vouchedText = ['The committee reviewed the quarterly figures'];
const index = createByteIndex(
  sources.map((s) => enc.encode(s)),
  1 << 20,
);
const vouched = createByteIndex(
  vouchedText.map((s) => enc.encode(s)),
  1 << 20,
);

const hex = (s: string) => [...enc.encode(s)].map((b) => b.toString(16).padStart(2, '0')).join('');
const b64 = (s: string) => btoa(String.fromCharCode(...enc.encode(s)));
const b64url = (s: string) => b64(s).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');

/** A slice of a tainted source (code points kept whole). */
const slice = fc
  .tuple(fc.nat({ max: sources.length - 1 }), fc.nat({ max: 80 }), fc.integer({ min: 1, max: 40 }))
  .map(([s, from, len]) => {
    const cps = [...(sources[s] as string)];
    const start = Math.min(from, cps.length - 1);
    return cps.slice(start, start + len).join('');
  });
const encoded = fc
  .tuple(slice, fc.constantFrom('plain', 'percent', 'base64', 'base64url', 'hex', 'upperhex'))
  .map(([text, how]) => {
    switch (how) {
      case 'percent':
        return encodeURIComponent(text);
      case 'base64':
        return encodeURIComponent(b64(text));
      case 'base64url':
        return b64url(text);
      case 'hex':
        return hex(text);
      case 'upperhex':
        return hex(text).toUpperCase();
      default:
        return text.replace(/[/?#&=;@\s]/g, '');
    }
  });
const benign = fc.constantFrom(
  'docs',
  'q3',
  'report',
  'img',
  'v1',
  'calendar',
  'a',
  'x-y',
  'id',
  '42',
  'chart.png',
);
const piece = fc.oneof({ weight: 2, arbitrary: benign }, { weight: 2, arbitrary: encoded });
/** An encoded slice cut into 2–4 parts, to be spread over one kind of URL part. */
const split = fc.tuple(encoded, fc.array(fc.nat(), { minLength: 1, maxLength: 3 })).map(([text, cuts]) => {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(text.slice(prev, c));
    prev = c;
  }
  out.push(text.slice(prev));
  return out.filter((p) => p !== '');
});

const url = fc
  .record({
    scheme: fc.constantFrom('https://', 'http://', '//', 'www.', ''),
    user: fc.option(piece, { nil: undefined }),
    labels: fc.oneof(fc.array(piece, { maxLength: 3 }), split),
    path: fc.oneof(fc.array(piece, { maxLength: 4 }), split),
    query: fc.oneof(
      fc.array(fc.tuple(benign, piece), { maxLength: 3 }),
      split.map((parts) => parts.map((p, i): [string, string] => [`k${i}`, p])),
    ) as fc.Arbitrary<[string, string][]>,
    fragment: fc.option(piece, { nil: undefined }),
  })
  .map(({ scheme, user, labels, path, query, fragment }) => {
    const clean = (s: string) => s.replace(/[/?#.:@]/g, '');
    const host = [...labels.map(clean).filter((l) => l !== ''), 'acme', 'example'].join('.');
    let out = scheme === '' ? '' : `${scheme}${user === undefined ? '' : `${clean(user)}@`}${host}`;
    out += `/${path.map((p) => p.replace(/[/?#]/g, '')).join('/')}`;
    if (query.length > 0) out += `?${query.map(([k, v]) => `${k}=${v.replace(/[&;#]/g, '')}`).join('&')}`;
    if (fragment !== undefined) out += `#${fragment}`;
    return out;
  });

/** Hand-made URLs around the parser's edges: ports, userinfo, `+`, malformed `%`, empty parts, `;`. */
const odd = fc
  .tuple(
    fc.constantFrom('https://', 'HTTP://', 'x-y.z+1:', 'mailto:', '//', 'www.', 'WwW.', ''),
    fc.constantFrom('', 'u:p@', '@', 'a@b@'),
    fc.array(fc.oneof(benign, encoded, fc.constantFrom('', 'ORCHID', '-5521-', 'ZETA')), { maxLength: 4 }),
    fc.constantFrom('', ':', ':8080', ':x1'),
    fc.array(fc.oneof(piece, fc.constantFrom('', '%', '%4', '%zz', '+', 'a+b')), { maxLength: 4 }),
    fc.array(fc.oneof(piece, fc.constantFrom('', '=', '+', 'k=', '=v')), { maxLength: 4 }),
    fc.constantFrom('', '#', '#x', '?', '?#'),
  )
  .map(([scheme, user, labels, port, path, query, tail]) => {
    const host = labels.map((l) => l.replace(/[/?#@]/g, '')).join('.');
    const q = query.map((v) => v.replace(/[#]/g, '')).join(query.length % 2 === 0 ? '&' : ';');
    return `${scheme}${user}${host}${port}/${path.map((x) => x.replace(/[?#]/g, '')).join('/')}${q === '' ? '' : `?${q}`}${tail}`;
  });

describe('findUrlTaint: the fast rejection changes no result', () => {
  it('URLs around the parser edges: fast path = exhaustive path', () => {
    fc.assert(
      fc.property(odd, (u) => {
        expect(findUrlTaint(u, index), u).toEqual(findUrlTaintExhaustive(u, index));
      }),
      { numRuns: 4000 },
    );
  });

  it('random tainted and clean URLs: fast path = exhaustive path', () => {
    let hits = 0;
    let misses = 0;
    fc.assert(
      fc.property(url, fc.boolean(), (u, useVouched) => {
        const v = useVouched ? vouched : undefined;
        const fast = findUrlTaint(u, index, v);
        expect(fast, u).toEqual(findUrlTaintExhaustive(u, index, v));
        if (fast === undefined) misses++;
        else hits++;
      }),
      { numRuns: 4000 },
    );
    // Neither side of the property is vacuous.
    expect(hits).toBeGreaterThan(400);
    expect(misses).toBeGreaterThan(400);
  });

  it('split, encoded and redirect attempts are found by both paths', () => {
    const secret = 'ORCHID-5521-ZETA';
    for (const u of [
      `https://evil.example/p.png?d=${secret}`,
      `https://docs.acme.example/img.png?d=${b64(secret)}`,
      `https://docs.acme.example/${hex(secret)}.png`,
      `https://docs.acme.example/out?to=${encodeURIComponent(`https://evil.example/${secret}`)}`,
      'https://ORCHID.5521-ZETA.evil.example/x',
      'https://evil.example/?a=ORCH&b=ID-55&c=21-ZETA',
      'https://evil.example/ORC/HID-5/521-ZETA',
      `https://evil.example/#${b64url('dana.poe@customer.example')}`,
      `https://evil.example/${b64('东京 📈')}`,
    ]) {
      const fast = findUrlTaint(u, index);
      expect(fast, u).toEqual(findUrlTaintExhaustive(u, index));
      if (!u.includes('东京')) expect(fast?.bytes ?? 0, u).toBeGreaterThanOrEqual(8);
    }
  });
});

/** `hostOf` as first written (one regex for every URL): the reference for its `http(s)://` fast path. */
function hostOfByRegex(url: string): string | undefined {
  const m = /^(?:[a-z][a-z0-9+.-]{0,31}:)?\/\/([^/?#\\]*)|^(www\.[^/?#\\:]*)/i.exec(url.trim());
  if (m === null) {
    const mail = /^mailto:[^@?]*@([^?&#]+)/i.exec(url);
    return mail?.[1]?.toLowerCase();
  }
  const authority = m[1] ?? m[2] ?? '';
  const host = authority.slice(authority.lastIndexOf('@') + 1).replace(/:\d*$/, '');
  return host.toLowerCase().replace(/\.$/, '');
}

describe('hostOf: the http(s) fast path = the regex', () => {
  it('random authorities', () => {
    const chunk = fc.constantFrom(
      'https://',
      'http://',
      'HTTP://',
      ' https://',
      'u:p@',
      '@',
      'Docs.Acme.Example',
      'x.',
      '.',
      ':',
      ':8080',
      '443',
      '/',
      '?q',
      '#f',
      '\\',
      ' ',
      '\u00a0',
      'é',
      '',
    );
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 8 }), (parts) => {
        const u = parts.join('');
        expect(hostOf(u), JSON.stringify(u)).toBe(hostOfByRegex(u));
      }),
      { numRuns: 5000 },
    );
  });
});
