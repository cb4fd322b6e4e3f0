import { bearerToken } from './jwt-auth.guard';

describe('bearerToken', () => {
  it('takes the second word of a Bearer header, the scheme in any case', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('BEARER \t abc')).toBe('abc');
    expect(bearerToken('  Bearer abc  trailing words')).toBe('abc');
  });

  it('finds no token without the scheme, without a value, or in another scheme', () => {
    expect(bearerToken(undefined)).toBeNull();
    expect(bearerToken('')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken('Bearer    ')).toBeNull();
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeNull();
    expect(bearerToken('Bearerabc')).toBeNull();
    expect(bearerToken(['Bearer a', 'Bearer b'])).toBeNull();
  });

  it('reads a header of any length in one pass (no quadratic backtracking)', () => {
    // /(\S+)\s+(\S+)/ backtracks over every start position of a header with no space: about
    // n²/2 steps. Counting the characters visited instead of timing: a linear scan visits each once
    const header = 'x'.repeat(64 * 1024);
    let reads = 0;
    const original = String.prototype.charCodeAt;
    String.prototype.charCodeAt = function (this: string, index: number) {
      reads += 1;
      return original.call(this, index);
    };
    try {
      expect(bearerToken(header)).toBeNull();
    } finally {
      String.prototype.charCodeAt = original;
    }
    expect(reads).toBeLessThanOrEqual(header.length + 2);
  });
});
