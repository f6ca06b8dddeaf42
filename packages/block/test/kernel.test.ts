import { InvalidArgumentError } from '@ctxpack/block';
import {
  assertArray,
  assertBytes,
  assertInteger,
  assertOneOf,
  assertRecord,
  assertString,
  assertWellFormed,
  DIGEST_PATTERN,
  decodeBase64,
  decodeBase64Loose,
  decodeBase64Url,
  decodeHex,
  describeValue,
  encodeBase64,
  encodeBase64Url,
  encodeHex,
  formatDigest,
  formatPath,
  hasMarker,
  isDigest,
  isRecord,
  isWellFormed,
  readOptions,
  setMarker,
  utf8Length,
} from '@ctxpack/block/kernel';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';

function thrown(fn: () => unknown): InvalidArgumentError {
  try {
    fn();
  } catch (e) {
    if (InvalidArgumentError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('did not throw');
}

const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('describeValue', () => {
  it('names the type and size without reading a property', () => {
    const trap = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap ran');
        },
        getPrototypeOf: () => {
          throw new Error('trap ran');
        },
      },
    );
    expect(describeValue(trap)).toBe('object');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue([1, 2])).toBe('an array');
    expect(describeValue('abc')).toBe('a string of 3 chars');
    expect(describeValue(Number.NaN)).toBe('number NaN');
    expect(describeValue(false)).toBe('boolean false');
    expect(describeValue(10n)).toBe('bigint');
    expect(describeValue(Symbol('s'))).toBe('symbol');
    expect(describeValue(() => 1)).toBe('function');
    expect(describeValue(new Uint8Array(5))).toBe('a Uint8Array of 5 bytes');
    expect(describeValue(new Int32Array(2))).toBe('a Int32Array of 2 items');
    expect(describeValue(new DataView(new ArrayBuffer(1)))).toBe('a DataView');
    const lying = new Uint8Array(4);
    Object.defineProperty(lying, 'length', { get: () => 99 });
    expect(describeValue(lying)).toBe('a Uint8Array of 4 bytes');
  });
});

describe('argument checks', () => {
  it('isRecord accepts plain objects only', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord(Object.create(null))).toBe(true);
    for (const v of [null, [], 'x', 1, undefined, () => 1]) expect(isRecord(v)).toBe(false);
  });

  it('each assert throws InvalidArgumentError with path, expected and received', () => {
    const cases: [() => void, string, string, string][] = [
      [() => assertRecord('x'.repeat(10), 'options'), 'options', 'an object', 'a string of 10 chars'],
      [() => assertArray({}, 'blocks'), 'blocks', 'an array', 'object'],
      [() => assertArray([1, 2, 3], 'blocks', 2), 'blocks', 'an array of at most 2 items', 'an array'],
      [() => assertString(1, 'tenant'), 'tenant', 'a string', 'number 1'],
      [
        () => assertString('abc', 'tenant', 2),
        'tenant',
        'a string of at most 2 chars',
        'a string of 3 chars',
      ],
      [() => assertBytes('k', 'key'), 'key', 'a Uint8Array', 'a string of 1 chars'],
      [
        () => assertBytes(new Uint8Array(3), 'key', 32),
        'key',
        'a Uint8Array of 32 bytes',
        'a Uint8Array of 3 bytes',
      ],
      [() => assertInteger(1.5, 'ttl', 1, 10), 'ttl', 'an integer from 1 to 10', 'number 1.5'],
      [() => assertInteger(0, 'ttl', 1, 10), 'ttl', 'an integer from 1 to 10', 'number 0'],
      [
        () => assertInteger('3', 'ttl'),
        'ttl',
        `an integer from 0 to ${Number.MAX_SAFE_INTEGER}`,
        'a string of 1 chars',
      ],
      [
        () => assertOneOf('bogus', 'spotlight', ['delimit', 'encode']),
        'spotlight',
        'one of "delimit", "encode"',
        'a string of 5 chars',
      ],
      [
        () => assertWellFormed('a\uD800', 'text'),
        'text',
        'a well-formed string (no lone surrogate)',
        'a string of 2 chars',
      ],
      [() => readOptions(7 as never, 'options'), 'options', 'an options object', 'number 7'],
    ];
    for (const [fn, path, expected, received] of cases) {
      const e = thrown(fn);
      expect(e).toMatchObject({ code: 'invalid_argument', path, expected, received });
      expect(e.message).toBe(`Invalid argument ${path}: expected ${expected}, got ${received}`);
    }
  });

  it('refuses bounds and choice lists that are not what they claim, with the bound named', () => {
    expect(thrown(() => assertArray([], 'a', '2' as never))).toMatchObject({ path: 'maxItems' });
    expect(thrown(() => assertString('', 'a', [[]] as never))).toMatchObject({ path: 'maxChars' });
    expect(thrown(() => assertBytes(new Uint8Array(1), 'a', Symbol('n') as never))).toMatchObject({
      path: 'length',
    });
    expect(thrown(() => assertInteger(1, 'a', 0.5))).toMatchObject({ path: 'min' });
    expect(thrown(() => assertInteger(1, 'a', 0, Number.POSITIVE_INFINITY))).toMatchObject({ path: 'max' });
    expect(thrown(() => assertOneOf('a', 'mode', null as never))).toMatchObject({ path: 'allowed' });
    const many = Array.from({ length: 40 }, (_, i) => `m${i}`);
    const e = thrown(() => assertOneOf('x', 'mode', many));
    expect(e.expected).toMatch(/^one of "m0", .*"m15", … \(40 in all\)$/);
    expect(thrown(() => assertOneOf(3, 'n', [1, 2]))).toMatchObject({
      expected: 'one of number 1, number 2',
    });
  });

  it('builds its message from any path without throwing', () => {
    const e = new InvalidArgumentError({ path: Symbol('p') as never, expected: 'x', value: 1 });
    expect(e.path).toBe('(symbol)');
  });

  it('passes good values through', () => {
    expect(() => {
      assertRecord({}, 'a');
      assertArray([1], 'a', 1);
      assertString('ab', 'a', 2);
      assertBytes(new Uint8Array(32), 'a', 32);
      assertInteger(10, 'a', 1, 10);
      assertOneOf(2, 'a', [1, 2]);
      assertWellFormed('😀', 'a');
    }).not.toThrow();
    expect(readOptions(undefined, 'o')).toEqual({});
    const o = { a: 1 };
    expect(readOptions(o, 'o')).toBe(o);
  });

  it('keeps a cause', () => {
    const cause = new Error('inner');
    expect(new InvalidArgumentError({ path: 'p', expected: 'x', value: 1, cause }).cause).toBe(cause);
  });
});

describe('markers and paths', () => {
  it('setMarker brands non-enumerably; hasMarker is total', () => {
    const m = Symbol.for('ctxpack.test.marker');
    const e = new Error('x');
    setMarker(e, m);
    expect(hasMarker(e, m)).toBe(true);
    expect(Object.keys(e)).toEqual([]);
    expect(hasMarker(null, m)).toBe(false);
    expect(hasMarker(e, 'x' as never)).toBe(false);
  });

  it('formatPath', () => {
    expect(formatPath(['source', 'type'])).toBe('source.type');
    expect(formatPath(['labels', 2, 'x'])).toBe('labels[2].x');
    expect(formatPath([])).toBe('(block)');
    expect(formatPath('nope' as never)).toBe('(invalid path)');
  });
});

describe('digest', () => {
  const zero = `sha256:${'0'.repeat(64)}`;
  it('one spelling: sha256: and 64 lowercase hex', () => {
    expect(isDigest(zero)).toBe(true);
    expect(DIGEST_PATTERN.test(zero)).toBe(true);
    for (const bad of [
      `sha256:${'A'.repeat(64)}`,
      `sha256:${'0'.repeat(63)}`,
      `sha256:${'0'.repeat(65)}`,
      'sha256:',
      0,
      null,
    ]) {
      expect(isDigest(bad)).toBe(false);
    }
    expect(isDigest(`${zero}\n`)).toBe(false);
  });
  it('formatDigest needs 32 bytes', () => {
    expect(formatDigest(new Uint8Array(32))).toBe(zero);
    expect(thrown(() => formatDigest(new Uint8Array(31)))).toMatchObject({ path: 'hash' });
  });
});

describe('isWellFormed', () => {
  it('finds lone surrogates, native and by the loop', async () => {
    const cases: [string, boolean][] = [
      ['', true],
      ['plain', true],
      ['😀 pair', true],
      ['\uD83D', false],
      ['\uDE00', false],
      ['a\uD83Db', false],
      ['\uDE00\uD83D', false],
      ['x\uD83D\uDE00\uD83D', false],
    ];
    const native = (String.prototype as { isWellFormed?: unknown }).isWellFormed;
    for (const [s, ok] of cases) expect(isWellFormed(s)).toBe(ok);
    expect(isWellFormed(1 as never)).toBe(false);
    // The fallback loop: take the native method away for one pass.
    const proto = String.prototype as { isWellFormed?: unknown };
    delete proto.isWellFormed;
    try {
      vi.resetModules();
      const fallback = await import('../src/well-formed.js');
      for (const [s, ok] of cases) expect(fallback.isWellFormed(s)).toBe(ok);
    } finally {
      if (native !== undefined) proto.isWellFormed = native;
    }
  });
});

describe('hex', () => {
  it('round-trips; decode refuses what is not hex of whole bytes', () => {
    expect(encodeHex(bytes(0, 15, 255))).toBe('000fff');
    expect(decodeHex('000fFF')).toEqual(bytes(0, 15, 255));
    expect(decodeHex('')).toEqual(bytes());
    for (const bad of ['0', '0g', ' 00', '0x00', 1 as never]) expect(decodeHex(bad)).toBeUndefined();
    expect(thrown(() => encodeHex('ab' as never))).toMatchObject({ path: 'bytes' });
  });
});

describe('base64', () => {
  // RFC 4648 §10 test vectors.
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ];
  it('matches RFC 4648 §10 and round-trips every form', () => {
    for (const [plain, b64] of vectors) {
      expect(encodeBase64(utf8(plain))).toBe(b64);
      expect(decodeBase64(b64)).toEqual(utf8(plain));
      expect(encodeBase64Url(utf8(plain))).toBe(b64.replace(/=/g, ''));
      expect(decodeBase64Url(b64.replace(/=/g, ''))).toEqual(utf8(plain));
      expect(decodeBase64Loose(b64)).toEqual(utf8(plain));
      expect(decodeBase64Loose(b64.replace(/=/g, ''))).toEqual(utf8(plain));
    }
    expect(encodeBase64(bytes(251, 255))).toBe('+/8=');
    expect(encodeBase64Url(bytes(251, 255))).toBe('-_8');
  });

  it('agrees with Buffer across chunk boundaries', () => {
    for (const n of [8191 * 3, 8192 * 3 - 1, 8192 * 3, 8192 * 3 + 1, 100_003]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 255);
      const b64 = Buffer.from(data).toString('base64');
      expect(encodeBase64(data)).toBe(b64);
      expect(encodeBase64Url(data)).toBe(Buffer.from(data).toString('base64url'));
      expect(Buffer.from(decodeBase64(b64) ?? []).equals(data)).toBe(true);
    }
  });

  it('strict decoders accept only the canonical spelling', () => {
    for (const bad of [
      'Zg',
      'Zg=',
      'Zh==',
      'Zm9v\n',
      'Zm-v',
      'Z===',
      '=Zg=',
      'Zm9vYg==Zg==',
      'é===',
      1 as never,
    ]) {
      expect(decodeBase64(bad)).toBeUndefined();
    }
    for (const bad of ['Zg==', 'Zh', 'Zm+v', 'Z', 'Zm9vY', 1 as never])
      expect(decodeBase64Url(bad)).toBeUndefined();
  });

  it('the loose decoder takes either alphabet and stray bits, nothing else', () => {
    expect(decodeBase64Loose('Zh==')).toEqual(utf8('f'));
    expect(decodeBase64Loose('+/8=')).toEqual(bytes(251, 255));
    expect(decodeBase64Loose('-_8')).toEqual(bytes(251, 255));
    expect(decodeBase64Loose('+_8')).toEqual(bytes(251, 255));
    for (const bad of ['Zg=', 'Z', 'Zm9vY', 'Zm 9v', 'Z===', 'Zm9v==Zg', 1 as never]) {
      expect(decodeBase64Loose(bad)).toBeUndefined();
    }
    expect(thrown(() => encodeBase64([1, 2] as never))).toMatchObject({ path: 'bytes' });
  });
});

describe('utf8Length', () => {
  it('equals the length of TextEncoder output, across chunk boundaries and lone surrogates', () => {
    const encoder = new TextEncoder();
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('\ud83d', '\ude00', '😀', 'é', '委', 'a'.repeat(16_383)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (parts) => {
        const text = parts.join('');
        expect(utf8Length(text)).toBe(encoder.encode(text).length);
      }),
      { numRuns: 500 },
    );
    // A pair straddling the 16 KiB chunk edge counts 4, not 3 + 3.
    const edge = `${'a'.repeat(16_383)}😀`;
    expect(utf8Length(edge)).toBe(16_387);
  });
  it('a non-string is invalid_argument', () => {
    expect(() => utf8Length(7 as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});
