import { describe, expect, it } from 'vitest';
import { trimTrailing } from '../src/trim-trailing.js';

describe('trimTrailing', () => {
  it('removes only the run at the end', () => {
    expect(trimTrailing('/v1/chat/completions//', '/')).toBe('/v1/chat/completions');
    expect(trimTrailing('aGk==', '=')).toBe('aGk');
    expect(trimTrailing('a=b', '=')).toBe('a=b');
    expect(trimTrailing('====', '=')).toBe('');
    expect(trimTrailing('', '/')).toBe('');
  });
  it('a long run that is not at the end is returned as is (the regex it replaces was quadratic here)', () => {
    const text = `${'/'.repeat(1_000_000)}a`;
    expect(trimTrailing(text, '/')).toBe(text);
  });
});
