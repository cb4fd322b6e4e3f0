import { rateLimitAddress } from './client-address';

describe('rateLimitAddress', () => {
  it('keeps IPv4 addresses whole', () => {
    expect(rateLimitAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(rateLimitAddress('203.0.113.8')).not.toBe(rateLimitAddress('203.0.113.7'));
  });

  it('groups IPv6 clients by /64, whatever the spelling', () => {
    const bucket = rateLimitAddress('2001:db8:1:2::1');
    expect(bucket).toBe('2001:db8:1:2::/64');
    for (const sibling of [
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:0DB8:0001:0002:0000:0000:0000:0042',
      '2001:db8:1:2:a:b:c:d',
      '2001:db8:1:2::1%eth0',
      '2001:db8:1:2::10.0.0.1',
    ]) {
      expect(rateLimitAddress(sibling)).toBe(bucket);
    }
    expect(rateLimitAddress('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(rateLimitAddress('2001:db8::1')).toBe('2001:db8::/64');
  });

  it('treats IPv4-mapped IPv6 as the IPv4 address it carries', () => {
    expect(rateLimitAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(rateLimitAddress('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(rateLimitAddress('0:0:0:0:0:ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('keeps the IPv6 loopback apart from other ::/64 addresses', () => {
    expect(rateLimitAddress('::1')).toBe('::1');
  });

  it('returns anything that is not an address unchanged', () => {
    for (const value of [
      'undefined',
      '',
      'not-an-ip',
      '2001:db8:::1',
      '1:2:3:4:5:6:7:8:9',
      `${'1:'.repeat(100_000)}::1`,
    ]) {
      expect(rateLimitAddress(value)).toBe(value);
    }
  });
});
