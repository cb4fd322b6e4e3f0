import { ValidationFailedError } from '@docent/common';
import { USAGE_MAX_DAYS, window } from './usage-report.service';

const NOW = new Date('2026-12-05T23:59:59Z');

describe('usage report window', () => {
  it('defaults to the 30 UTC days ending today', () => {
    expect(window({}, NOW)).toEqual({ from: '2026-11-06', to: '2026-12-05' });
    expect(window({ to: '2026-03-01' }, NOW)).toEqual({ from: '2026-01-31', to: '2026-03-01' });
  });

  it('keeps a given window, a single day included', () => {
    expect(window({ from: '2026-01-01', to: '2026-01-01' }, NOW)).toEqual({
      from: '2026-01-01',
      to: '2026-01-01',
    });
    expect(window({ from: '2024-01-01', to: '2024-12-31' }, NOW)).toEqual({
      from: '2024-01-01',
      to: '2024-12-31',
    });
  });

  it.each([
    [{ from: '2026-02-29' }, 'from'],
    [{ to: '2026-13-01' }, 'to'],
    [{ from: '2026-03-02', to: '2026-03-01' }, 'from'],
    [{ from: '2024-01-01', to: '2025-01-01' }, 'from'],
  ])('refuses %j, naming %s', (query, field) => {
    let caught: unknown;
    try {
      window(query, NOW);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationFailedError);
    expect(JSON.stringify(caught)).toContain(field);
  });

  it('allows at most a year and a day', () => {
    expect(USAGE_MAX_DAYS).toBe(366);
    expect(() => window({ from: '2024-01-01', to: '2024-12-31' }, NOW)).not.toThrow();
  });
});
