import { describeUserAgent, networkOf } from './client-fingerprint';

describe('describeUserAgent', () => {
  it.each([
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
      'Firefox on Windows',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
      'Safari on macOS',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      'Chrome on Android',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      'Edge on Windows',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1',
      'Chrome on iOS',
    ],
    ['curl/8.5.0', 'curl'],
    ['SomethingElse/1.0', 'an unknown client'],
    ['', 'an unknown device'],
    [null, 'an unknown device'],
  ])('%p is %p', (ua, expected) => expect(describeUserAgent(ua)).toBe(expected));

  it('ignores versions, so a browser update is the same device', () => {
    expect(describeUserAgent('Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Firefox/120.0')).toBe(
      describeUserAgent('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Firefox/133.0'),
    );
  });

  it('looks at a bounded prefix only', () => {
    expect(describeUserAgent(`${'x'.repeat(10_000)} Firefox/1 Windows`)).toBe('an unknown client');
  });
});

describe('networkOf', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['2001:db8:1234:5678:aaaa:bbbb:cccc:dddd', '2001:db8:1234:5678::/64'],
    ['2001:0DB8:1234:5678::1', '2001:db8:1234:5678::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['not an address', null],
    [null, null],
  ])('%p is on %p', (ip, network) => expect(networkOf(ip)).toBe(network));

  it('puts two addresses of one /64 on the same network', () => {
    expect(networkOf('2001:db8:a:b:1:2:3:4')).toBe(networkOf('2001:db8:a:b:ffff:0:0:9'));
    expect(networkOf('2001:db8:a:b::1')).not.toBe(networkOf('2001:db8:a:c::1'));
  });
});
