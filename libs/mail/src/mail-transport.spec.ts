import { smtpTransportUrl } from './mail-transport';

describe('mail transport options', () => {
  it('adds SMTP timeouts to the URL', () => {
    const url = new URL(smtpTransportUrl('smtp://127.0.0.1:1025'));
    expect(url.protocol).toBe('smtp:');
    expect(url.port).toBe('1025');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      connectionTimeout: '10000',
      greetingTimeout: '10000',
      socketTimeout: '60000',
    });
  });

  it('keeps credentials and the timeouts the operator set', () => {
    const url = new URL(
      smtpTransportUrl('smtps://user:p%40ss@mail.example.com:465?socketTimeout=5000'),
    );
    expect(url.username).toBe('user');
    expect(url.password).toBe('p%40ss');
    expect(url.searchParams.get('socketTimeout')).toBe('5000');
    expect(url.searchParams.get('connectionTimeout')).toBe('10000');
  });
});
