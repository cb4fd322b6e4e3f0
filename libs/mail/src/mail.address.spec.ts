import { isSingleEmailAddress, maskEmail, sanitizeDisplayName } from './mail.address';

describe('sanitizeDisplayName', () => {
  it('keeps an ordinary name, including non-ASCII letters', () => {
    expect(sanitizeDisplayName('Zoë Ångström-Nuñez')).toBe('Zoë Ångström-Nuñez');
  });

  it('turns CR, LF and other control characters into single spaces', () => {
    expect(sanitizeDisplayName('Jane\r\nBcc: evil@example.com')).toBe('Jane Bcc: evil@example.com');
    expect(sanitizeDisplayName('a\u0000b\tc\u007fd\u0085e\u2028f')).toBe('a b c d e f');
  });

  it('removes bidi overrides that would make a name pose as another', () => {
    expect(sanitizeDisplayName('admin\u202Egnp.exe')).toBe('admin gnp.exe');
  });

  it('returns undefined for a missing or blank name', () => {
    expect(sanitizeDisplayName(undefined)).toBeUndefined();
    expect(sanitizeDisplayName(' \r\n\t ')).toBeUndefined();
  });

  it('bounds the length without splitting a surrogate pair', () => {
    const name = sanitizeDisplayName('😀'.repeat(200));
    expect(Array.from(name!)).toHaveLength(128);
    expect(name!.endsWith('😀')).toBe(true);
  });
});

describe('isSingleEmailAddress', () => {
  it.each([
    'jane@example.com',
    'j.doe+docent@mail.example.co.uk',
    "o'brien@example.org",
    'a`b{c}|d@example.org',
    // what registration (class-validator IsEmail) accepts; nodemailer sends these with SMTPUTF8
    'zoë@example.com',
    'jane@bücher.de',
  ])('accepts %s', (address) => expect(isSingleEmailAddress(address)).toBe(true));

  it.each([
    '',
    'jane',
    '@example.com',
    'jane@',
    'jane@localhost',
    'jane@example.com, evil@example.com',
    'jane@example.com;evil@example.com',
    'Jane <jane@example.com>',
    '"jane"@example.com',
    'jane@example.com\r\nBcc: evil@example.com',
    'ja ne@example.com',
    'jane..doe@example.com',
    '.jane@example.com',
    'jane@-example.com',
    'jane@exa_mple.com',
    'jane@example.com\u2028',
    'ja\u200Bne@example.com',
    '"j d"@example.com',
    `${'a'.repeat(65)}@example.com`,
    `jane@${'a'.repeat(250)}.com`,
  ])('refuses %j', (address) => expect(isSingleEmailAddress(address)).toBe(false));

  it('refuses non-strings', () => {
    expect(isSingleEmailAddress(undefined)).toBe(false);
    expect(isSingleEmailAddress(['jane@example.com'])).toBe(false);
  });
});

describe('maskEmail', () => {
  it('keeps the first character and the domain', () => {
    expect(maskEmail('jane@example.com')).toBe('j***@example.com');
  });

  it('does not echo parts that could shape a log line', () => {
    expect(maskEmail('jane@example.com\r\nFAKE LOG')).toBe('j***@***');
    expect(maskEmail('\njane@example.com')).toBe('***@example.com');
    expect(maskEmail('😀x@example.com')).toBe('***@example.com');
    expect(maskEmail('élodie@example.com')).toBe('é***@example.com');
    expect(maskEmail('not-an-address')).toBe('***@***');
    expect(maskEmail(undefined)).toBe('***');
  });
});
