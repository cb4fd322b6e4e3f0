import { randomBytes } from 'node:crypto';
import {
  estimateSecretBits,
  isLoopbackHost,
  MIN_JWT_SECRET_BITS,
  productionProblems,
} from './production-checks';

describe('estimateSecretBits', () => {
  it('passes every generated secret of the documented kinds (1000 draws each)', () => {
    let lowest = Infinity;
    for (let i = 0; i < 1000; i += 1) {
      for (const secret of [
        randomBytes(32).toString('base64'),
        randomBytes(32).toString('base64url'),
        randomBytes(48).toString('base64'),
        randomBytes(32).toString('hex'),
      ]) {
        lowest = Math.min(lowest, estimateSecretBits(secret));
      }
    }
    expect(lowest).toBeGreaterThanOrEqual(MIN_JWT_SECRET_BITS + 32);
  });

  it.each([
    ['one character repeated', 'x'.repeat(64)],
    ['a short pattern repeated', 'abc123'.repeat(12)],
    ['a random-looking block repeated', 'Q7v!k2Zp'.repeat(8)],
    ['a counter', '0123456789'.repeat(5)],
    ['16 random hex bytes, repeated', '9f86d081884c7d65'.repeat(4)],
  ])('scores %s under the bar', (_name, secret) => {
    expect(estimateSecretBits(secret)).toBeLessThan(MIN_JWT_SECRET_BITS);
  });

  it('is linear: a megabyte is estimated on its first part, quickly and without error', () => {
    const huge = randomBytes(1 << 20).toString('base64');
    expect(estimateSecretBits(huge)).toBeGreaterThan(MIN_JWT_SECRET_BITS);
    expect(estimateSecretBits('a'.repeat(1 << 20))).toBe(0);
  });
});

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1'])(
    '%s is loopback',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  );
  it.each(['docent.example.org', 'localhost.example.org', '10.0.0.1', '128.0.0.1', '[::2]'])(
    '%s is not',
    (host) => expect(isLoopbackHost(host)).toBe(false),
  );
});

describe('productionProblems', () => {
  it('has nothing to say about a sound production configuration', () => {
    expect(
      productionProblems({
        corsOrigins: ['https://docent.example.org'],
        llmBaseUrl: 'https://api.openai.com/v1',
        llmApiKey: 'sk-live',
        jwtAccessSecret: randomBytes(48).toString('base64'),
      }),
    ).toEqual([]);
  });

  it('gives one line per problem', () => {
    expect(
      productionProblems({
        corsOrigins: ['http://localhost:3000', 'http://127.0.0.1:5173', 'https://ok.example'],
        llmBaseUrl: 'http://10.0.0.5:8000/v1',
        llmApiKey: 'sk-live',
        jwtAccessSecret: 'supersecretsupersecretsupersecret',
      }),
    ).toEqual([
      expect.stringMatching(
        /^CORS_ORIGINS allows http:\/\/localhost:3000, http:\/\/127\.0\.0\.1:5173 /,
      ),
      expect.stringMatching(/^LLM_BASE_URL uses http:\/\//),
      expect.stringMatching(/^JWT_ACCESS_SECRET contains "secret"/),
    ]);
  });
});
