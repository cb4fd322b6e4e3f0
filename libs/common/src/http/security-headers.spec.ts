import { securityHeaders } from './security-headers';

describe('securityHeaders', () => {
  it("computes helmet's headers once, with our CSP", () => {
    const headers = securityHeaders();
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(headers).not.toHaveProperty('x-powered-by');
    expect(headers).not.toHaveProperty('cross-origin-embedder-policy');
  });
});
