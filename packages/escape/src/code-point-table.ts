// Table-driven classification of code points. Each predicate wraps a
// one-code-point regex (`^\p{…}$`, the engine's current Unicode data) and
// remembers its verdicts: BMP code points in a Uint8Array (0 unknown, 1 no,
// 2 yes), astral ones in a bounded Map. The table fills on first use rather
// than at module load: testing all 65,536 BMP code points against a dozen
// property regexes would add ~100 ms to every import, while real text uses a
// few hundred distinct code points.

const ASTRAL_LIMIT = 65_536;

/** A memoized `(cp) => re.test(String.fromCodePoint(cp))`; negative `cp` (no character) is false. */
export function createCodePointTest(re: RegExp): (cp: number) => boolean {
  const bmp = new Uint8Array(0x10000);
  const astral = new Map<number, boolean>();
  return (cp) => {
    if (cp < 0) return false;
    if (cp < 0x10000) {
      const v = bmp[cp]!;
      if (v !== 0) return v === 2;
      const r = re.test(String.fromCharCode(cp));
      bmp[cp] = r ? 2 : 1;
      return r;
    }
    let r = astral.get(cp);
    if (r === undefined) {
      r = re.test(String.fromCodePoint(cp));
      if (astral.size < ASTRAL_LIMIT) astral.set(cp, r);
    }
    return r;
  };
}
