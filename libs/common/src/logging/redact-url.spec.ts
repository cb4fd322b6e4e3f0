import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOGGED_QUERY_PARAMETERS, redactUrl } from './redact-url';

describe('redactUrl', () => {
  it('keeps the path and allow-listed values, redacts every other value', () => {
    expect(redactUrl('/api/v1/documents?limit=20&cursor=abc&q=salary+review')).toBe(
      '/api/v1/documents?limit=20&cursor=abc&q=[redacted]',
    );
    expect(redactUrl('/reset-password?token=7f3c9a-secret')).toBe(
      '/reset-password?token=[redacted]',
    );
    expect(redactUrl('/api/v1/auth/me?access_token=eyJhbGciOi.x.y&status=completed')).toBe(
      '/api/v1/auth/me?access_token=[redacted]&status=completed',
    );
    expect(redactUrl('/api/v1/documents')).toBe('/api/v1/documents');
    expect(redactUrl(undefined)).toBe('/');
  });

  it('does not let a secret hide in a parameter name or a fragment', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    expect(redactUrl(`/api/v1/auth/me?${jwt}`)).toBe('/api/v1/auth/me?[redacted]=[redacted]');
    expect(redactUrl(`/x#access_token=${jwt}`)).toBe('/x?access_token=[redacted]');
    expect(redactUrl('/x?%6cimit=5&li%6Dit=6')).toBe('/x?%6cimit=5&li%6Dit=6');
    expect(redactUrl('/x?%E0%A4%A=1')).toBe('/x?[redacted]=[redacted]');
  });

  it('bounds what one URL costs a log line', () => {
    const line = redactUrl(`/${'a'.repeat(10_000)}?${'limit=1&'.repeat(10_000)}`);
    expect(line.length).toBeLessThan(2048 + 32 * 8 + 16);
    expect(line.endsWith('&…')).toBe(true);
    expect(redactUrl(`/x?limit=${'9'.repeat(1000)}`)).toBe(`/x?limit=${'9'.repeat(128)}…`);
  });

  it('has decided, for every query parameter the API documents, whether its values are logged', () => {
    // a parameter added to the API is redacted until someone adds it here or to the allow-list
    const REDACTED_PARAMETERS = ['q'];
    const openapi = JSON.parse(
      readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'openapi.json'), 'utf8'),
    ) as { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> };
    const documented = new Set<string>();
    for (const operations of Object.values(openapi.paths)) {
      for (const operation of Object.values(operations)) {
        for (const parameter of operation.parameters ?? []) {
          if (parameter.in === 'query') documented.add(parameter.name);
        }
      }
    }
    const undecided = [...documented].filter(
      (name) => !LOGGED_QUERY_PARAMETERS.has(name) && !REDACTED_PARAMETERS.includes(name),
    );
    expect(undecided).toEqual([]);
    for (const name of REDACTED_PARAMETERS) expect(LOGGED_QUERY_PARAMETERS.has(name)).toBe(false);
  });
});
