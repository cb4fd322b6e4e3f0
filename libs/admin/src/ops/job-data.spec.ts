import { isoOrNull, latestStack, redactJobData } from './job-data';

describe('redactJobData', () => {
  it('drops keys that may hold secrets, however deep, and keeps the rest', () => {
    const data = {
      template: 'password-reset',
      to: { email: 'ada@example.com', name: 'Ada' },
      context: { resetUrl: 'https://docent.test/reset?token=abc' },
      eventId: 'evt-1',
      password: 'p',
      refreshToken: 'r',
      items: [{ apiSecret: 's', keep: 1 }, 'plain', 3],
      nested: { deeper: { callbackURL: 'https://x', Authorization: 'Bearer y', id: 'k' } },
    };
    expect(redactJobData(data)).toEqual({
      template: 'password-reset',
      to: { email: 'ada@example.com', name: 'Ada' },
      eventId: 'evt-1',
      items: [{ keep: 1 }, 'plain', 3],
      nested: { deeper: { id: 'k' } },
    });
  });

  it('passes primitives through and cuts off very deep nesting', () => {
    expect(redactJobData('text')).toBe('text');
    expect(redactJobData(null)).toBeNull();
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 20; i += 1) deep = { child: deep };
    expect(JSON.stringify(redactJobData(deep))).toContain('[truncated]');
  });
});

describe('latestStack', () => {
  it("keeps the latest attempt's first 20 lines", () => {
    const old = 'Error: first\n    at a';
    const latest = ['Error: second', ...Array.from({ length: 30 }, (_, i) => `    at f${i}`)];
    const result = latestStack([old, latest.join('\n')])!;
    expect(result.split('\n')).toEqual(latest.slice(0, 20));
  });

  it('is null without a stack', () => {
    expect(latestStack([])).toBeNull();
    expect(latestStack(undefined)).toBeNull();
    expect(latestStack([''])).toBeNull();
  });
});

describe('isoOrNull', () => {
  it('turns epoch milliseconds into ISO-8601 UTC', () => {
    expect(isoOrNull(0)).toBeNull();
    expect(isoOrNull(undefined)).toBeNull();
    expect(isoOrNull(Number.NaN)).toBeNull();
    expect(isoOrNull(1_700_000_000_000)).toBe('2023-11-14T22:13:20.000Z');
  });
});
