import { ConfigValidationError, loadConfig } from './load-config';
import { looksLikePlaceholder, parseDuration } from './env-parsers';

const realKey = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff)).toString(
  'base64',
);
const production = {
  NODE_ENV: 'production',
  JWT_ACCESS_SECRET: 'q8Zt3vN1yRk5pW0sLx7cB2mJ9dH4fG6aQ1eT8uV3',
  DATA_ENCRYPTION_KEYS: `k2026:${realKey}`,
  CORS_ORIGINS: 'https://docent.example.org',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('gives safe local defaults for every variable in development', () => {
    const config = loadConfig({});
    expect(config.app).toMatchObject({ nodeEnv: 'development', port: 3000, workerHttpPort: 3001 });
    expect(config.auth.jwtAccessTtlMs).toBe(15 * 60_000);
    expect(config.auth.jwtRefreshTtlMs).toBe(30 * 86_400_000);
    expect(config.auth.passwordMinLength).toBe(15);
    expect(config.documents).toEqual({
      embeddings: true,
      uploadMaxBytes: 50 * 1024 * 1024,
      uploadMaxFiles: 20,
      storageQuotaBytes: 1024 * 1024 * 1024,
      ingestionConcurrency: 2,
      ingestionLockDurationMs: 30_000,
      maxPages: 2000,
      maxChars: 30_000_000,
      extractionMaxRssMb: 1024,
      ocr: {
        enabled: 'auto',
        languages: 'eng',
        maxPages: 100,
        dpi: 300,
        pageTimeoutMs: 60_000,
        timeoutMs: 600_000,
      },
    });
    expect(config.chat.sessionTtlMs).toBe(30 * 86_400_000);
    expect(config.llm.provider).toBe('extractive');
    expect(config.redis).toMatchObject({ keyPrefix: 'docent:', tls: undefined });
    expect(config.storage.encryptionKeys.get(config.storage.activeKeyId)).toHaveLength(32);
  });

  it('parses the documented formats', () => {
    const config = loadConfig({
      PORT: '8080',
      CORS_ORIGINS: 'https://a.example.com, http://localhost:5173',
      JWT_ACCESS_TTL: '900',
      CHAT_SESSION_TTL: '12h',
      LOG_PRETTY: 'yes',
    });
    expect(config.app.port).toBe(8080);
    expect(config.app.corsOrigins).toEqual(['https://a.example.com', 'http://localhost:5173']);
    expect(config.auth.jwtAccessTtlMs).toBe(900_000);
    expect(config.chat.sessionTtlMs).toBe(12 * 3_600_000);
    expect(config.app.logPretty).toBe(true);
  });

  it('reports every bad variable at once, naming each', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      JWT_ACCESS_TTL: '15 minutes',
      REDIS_URL: 'http://localhost:6379',
      LLM_PROVIDER: 'magic',
      CORS_ORIGINS: 'https://ok.example.com/path',
      PASSWORD_MIN_LENGTH: '6',
    });
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/^PORT must be an integer/m);
    expect(problems.join('\n')).toMatch(/^JWT_ACCESS_TTL must be a duration/m);
    expect(problems.join('\n')).toMatch(/^REDIS_URL must use redis:\/\/ or rediss:\/\//m);
    expect(problems.join('\n')).toMatch(/^LLM_PROVIDER must be one of extractive, openai/m);
    expect(problems.join('\n')).toMatch(/^CORS_ORIGINS .* must be an origin/m);
    expect(problems.join('\n')).toMatch(/^PASSWORD_MIN_LENGTH must be between 8 and 128/m);
  });

  it('reads EXTRACTION_MAX_RSS_MB and refuses a cap too small to run a parser', () => {
    expect(problemsOf({ EXTRACTION_MAX_RSS_MB: '64' })).toEqual([
      expect.stringMatching(/^EXTRACTION_MAX_RSS_MB must be between 128 and/),
    ]);
    expect(loadConfig({ EXTRACTION_MAX_RSS_MB: '2048' }).documents.extractionMaxRssMb).toBe(2048);
  });

  it('reads METRICS_TOKEN: unset by default, 32+ token characters when set', () => {
    expect(loadConfig({}).app.metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'a'.repeat(32) }).app.metricsToken).toBe('a'.repeat(32));
    for (const bad of ['short', 'x'.repeat(31), `${'a'.repeat(32)} space`, 'é'.repeat(40)]) {
      expect(problemsOf({ METRICS_TOKEN: bad })).toEqual([
        expect.stringMatching(/^METRICS_TOKEN must be 32 to 256 characters/),
      ]);
    }
  });

  it('reads the OCR settings and refuses anything but plain Tesseract language names', () => {
    const ocr = loadConfig({
      OCR_ENABLED: 'true',
      OCR_LANGUAGES: 'eng+deu+chi_sim',
      OCR_MAX_PAGES: '5',
      OCR_DPI: '200',
      OCR_PAGE_TIMEOUT: '20s',
      OCR_TIMEOUT: '2m',
    }).documents.ocr;
    expect(ocr).toEqual({
      enabled: true,
      languages: 'eng+deu+chi_sim',
      maxPages: 5,
      dpi: 200,
      pageTimeoutMs: 20_000,
      timeoutMs: 120_000,
    });
    expect(loadConfig({ OCR_ENABLED: 'off' }).documents.ocr.enabled).toBe(false);
    expect(loadConfig({ OCR_ENABLED: 'AUTO' }).documents.ocr.enabled).toBe('auto');
    for (const languages of [
      'eng deu',
      'eng,deu',
      'eng+',
      '+eng',
      'en',
      'ENG',
      'eng;rm',
      '../eng',
      '-l',
      'script/Latin',
      'eng+'.repeat(8) + 'eng',
      'a'.repeat(200),
    ]) {
      expect(problemsOf({ OCR_LANGUAGES: languages })).toEqual([
        expect.stringMatching(/^OCR_LANGUAGES must be Tesseract language names/),
      ]);
    }
    expect(problemsOf({ OCR_ENABLED: 'maybe', OCR_DPI: '1200', OCR_MAX_PAGES: '0' })).toEqual([
      expect.stringMatching(/^OCR_ENABLED must be auto, true or false/),
      expect.stringMatching(/^OCR_MAX_PAGES must be between 1 and/),
      expect.stringMatching(/^OCR_DPI must be between 72 and 600/),
    ]);
    expect(problemsOf({ OCR_PAGE_TIMEOUT: '500ms' })).toEqual([
      'OCR_PAGE_TIMEOUT must be at least 1s',
    ]);
    expect(problemsOf({ OCR_PAGE_TIMEOUT: '5m', OCR_TIMEOUT: '1m' })).toEqual([
      'OCR_TIMEOUT must not be shorter than OCR_PAGE_TIMEOUT',
    ]);
  });

  it('refuses a JWT secret under 256 bits', () => {
    expect(problemsOf({ JWT_ACCESS_SECRET: 'short-secret' })).toEqual([
      expect.stringMatching(/^JWT_ACCESS_SECRET must be at least 32 bytes \(256 bits\)/),
    ]);
  });

  it('requires real secrets in production and refuses placeholders', () => {
    expect(() => loadConfig(production)).not.toThrow();
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual(
      expect.arrayContaining(['JWT_ACCESS_SECRET is required', 'DATA_ENCRYPTION_KEYS is required']),
    );
    const placeholders = problemsOf({
      ...production,
      JWT_ACCESS_SECRET: 'change-me-change-me-change-me-change-me-!!',
      ADMIN_EMAIL: 'admin@example.org',
      ADMIN_PASSWORD: 'changeme',
    });
    expect(placeholders).toEqual([
      'JWT_ACCESS_SECRET holds a placeholder value; set a real secret in production',
      'ADMIN_PASSWORD holds a placeholder value; set a real secret in production',
    ]);
  });

  it('refuses loopback CORS origins in production, the default included, one line for all', () => {
    expect(problemsOf({ ...production, CORS_ORIGINS: '' })).toEqual([
      expect.stringMatching(
        /^CORS_ORIGINS allows http:\/\/localhost:3000, http:\/\/localhost:5173 \(loopback/,
      ),
    ]);
    for (const origin of ['http://127.0.0.1:8080', 'http://[::1]:3000', 'https://app.localhost']) {
      expect(
        problemsOf({ ...production, CORS_ORIGINS: `https://docent.example.org,${origin}` }),
      ).toEqual([
        expect.stringContaining(`CORS_ORIGINS allows ${new URL(origin).origin} (loopback`),
      ]);
    }
    // development keeps its local default
    expect(loadConfig({ CORS_ORIGINS: 'http://localhost:5173' }).app.corsOrigins).toEqual([
      'http://localhost:5173',
    ]);
  });

  it('refuses an API key sent to an http:// LLM endpoint in production, except on localhost', () => {
    const llm = { LLM_PROVIDER: 'openai', LLM_MODEL: 'm', LLM_API_KEY: 'sk-test-0123456789' };
    expect(
      problemsOf({ ...production, ...llm, LLM_BASE_URL: 'http://llm.internal:8000/v1' }),
    ).toEqual([
      'LLM_BASE_URL uses http:// while LLM_API_KEY is set, which would send the key in clear: use https:// (plain http is accepted only to localhost)',
    ]);
    for (const url of [
      'https://api.example.com/v1',
      'http://localhost:11434/v1',
      'http://127.0.0.1:8000',
    ]) {
      expect(() => loadConfig({ ...production, ...llm, LLM_BASE_URL: url })).not.toThrow();
    }
    // no key, nothing to leak
    const { LLM_API_KEY: _none, ...keyless } = llm;
    expect(() =>
      loadConfig({ ...production, ...keyless, LLM_BASE_URL: 'http://llm.internal:8000/v1' }),
    ).not.toThrow();
    // outside production an http endpoint with a key is a developer's choice
    expect(() => loadConfig({ ...llm, LLM_BASE_URL: 'http://llm.internal:8000/v1' })).not.toThrow();
  });

  it('refuses a guessable JWT secret in production: known weak ones and low estimated entropy', () => {
    const refused = (secret: string) => problemsOf({ ...production, JWT_ACCESS_SECRET: secret });
    expect(refused('MyJwtSecretKeyForDocentDeployment2026')).toEqual([
      'JWT_ACCESS_SECRET contains "secret", part of well-known weak secrets; generate one with: openssl rand -base64 48',
    ]);
    expect(refused('abcabcabcabcabcabcabcabcabcabcabcabc')).toEqual([
      expect.stringMatching(/^JWT_ACCESS_SECRET is too predictable \(about \d+ bits/),
    ]);
    expect(refused('0f1e2d3c4b5a69780f1e2d3c4b5a69780f1e2d3c4b5a6978')).toHaveLength(1);
    // the same secret is accepted outside production (the length rule still applies)
    expect(() =>
      loadConfig({ JWT_ACCESS_SECRET: 'abcabcabcabcabcabcabcabcabcabcabcabc' }),
    ).not.toThrow();
  });

  it('accepts the development placeholders outside production', () => {
    expect(() =>
      loadConfig({ ADMIN_EMAIL: 'admin@docent.local', ADMIN_PASSWORD: 'changeme' }),
    ).not.toThrow();
  });

  it('validates the encryption keyring and the active key', () => {
    expect(problemsOf({ DATA_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' })).toEqual([
      'DATA_ENCRYPTION_KEYS key "k1" must decode to 32 bytes (got 5)',
    ]);
    expect(
      problemsOf({ DATA_ENCRYPTION_KEYS: `k1:${realKey}`, DATA_ENCRYPTION_ACTIVE_KEY: 'k9' }),
    ).toEqual(['DATA_ENCRYPTION_ACTIVE_KEY "k9" is not one of DATA_ENCRYPTION_KEYS']);
    const rotated = loadConfig({
      DATA_ENCRYPTION_KEYS: `old:${realKey},new:${Buffer.alloc(32, 9).toString('base64')}`,
      DATA_ENCRYPTION_ACTIVE_KEY: 'new',
    });
    expect([...rotated.storage.encryptionKeys.keys()]).toEqual(['old', 'new']);
    expect(rotated.storage.activeKeyId).toBe('new');
  });

  it('needs ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(problemsOf({ ADMIN_EMAIL: 'root@docent.local' })).toEqual([
      'ADMIN_EMAIL and ADMIN_PASSWORD must be set together (or neither)',
    ]);
  });

  it('needs the endpoint and model when the openai generator is chosen', () => {
    expect(problemsOf({ LLM_PROVIDER: 'openai' })).toEqual([
      'LLM_BASE_URL is required when LLM_PROVIDER=openai',
      'LLM_MODEL is required when LLM_PROVIDER=openai',
    ]);
  });

  it('turns on TLS for rediss:// URLs', () => {
    const config = loadConfig({ REDIS_URL: 'rediss://cache.internal:6380' });
    expect(config.redis.tls).toEqual({ ca: undefined, rejectUnauthorized: true });
  });

  it('reads the Redis Cluster form: seed nodes, credentials, TLS', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss+cluster://app:s%40cret@10.0.0.1:7000,redis-b.internal:7001,[::1]:7002/',
    });
    expect(config.redis.cluster).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b.internal', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: 'app',
      password: 's@cret',
    });
    expect(config.redis.tls).toEqual({ ca: undefined, rejectUnauthorized: true });
    const plain = loadConfig({ REDIS_URL: 'redis+cluster://127.0.0.1:7000' });
    expect(plain.redis.cluster).toEqual({
      nodes: [{ host: '127.0.0.1', port: 7000 }],
      username: undefined,
      password: undefined,
    });
    expect(plain.redis.tls).toBeUndefined();
    expect(loadConfig({}).redis.cluster).toBeUndefined();
  });

  it.each([
    ['redis+cluster://', /at least one cluster node/],
    ['redis+cluster://127.0.0.1', /host:port separated by commas \(got "127.0.0.1"\)/],
    ['redis+cluster://a:7000,b:99999', /host:port separated by commas \(got "b:99999"\)/],
    ['redis+cluster://a:7000/2', /only has database 0/],
    ['redis+cluster://a:7000/?scaleReads=slave', /no query options/],
    ['memcached://a:7000', /^REDIS_URL must use redis:\/\/ or rediss:\/\/ \(or redis\+cluster/],
  ])('refuses the Redis URL %s', (url, message) => {
    expect(problemsOf({ REDIS_URL: url }).join('\n')).toMatch(message);
  });

  it('adds the default PostgreSQL port so the driver never sees port 0', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://u:p@db.internal/docent' }).database.url).toBe(
      'postgresql://u:p@db.internal:5432/docent',
    );
  });

  describe('TRUST_PROXY', () => {
    const trustProxy = (value: string) => loadConfig({ TRUST_PROXY: value }).app.trustProxy;

    it('defaults to trusting no proxy', () => {
      expect(loadConfig({}).app.trustProxy).toBe(false);
      for (const value of ['false', '0', 'no', 'off', '']) expect(trustProxy(value)).toBe(false);
    });

    it('takes a hop count or proxy addresses and CIDRs', () => {
      expect(trustProxy('1')).toBe(1);
      expect(trustProxy(' 2 ')).toBe(2);
      expect(trustProxy('10.0.0.0/8, 192.168.1.10,FD00::/8')).toEqual([
        '10.0.0.0/8',
        '192.168.1.10',
        'fd00::/8',
      ]);
      expect(trustProxy('loopback,172.16.0.0/255.240.0.0')).toEqual([
        'loopback',
        '172.16.0.0/255.240.0.0',
      ]);
    });

    it('refuses "true" (every hop trusted), naming the safe alternatives', () => {
      for (const value of ['true', 'TRUE', 'yes', 'on']) {
        const problems = problemsOf({ TRUST_PROXY: value });
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/^TRUST_PROXY .*every X-Forwarded-For hop/);
        expect(problems[0]).toContain('e.g. 1');
        expect(problems[0]).toContain('10.0.0.0/8');
      }
    });

    it('refuses what is neither a count nor an address', () => {
      for (const value of ['11', '-1', 'proxy.internal', '10.0.0.0/33', '::1/129', '1.2.3', ',']) {
        expect(problemsOf({ TRUST_PROXY: value })[0]).toMatch(/^TRUST_PROXY /);
      }
    });
  });
});

describe('parseDuration', () => {
  it.each([
    ['900s', 900_000],
    ['15m', 900_000],
    ['12h', 43_200_000],
    ['30d', 2_592_000_000],
    ['45', 45_000],
    ['250ms', 250],
  ])('%s is %d ms', (raw, ms) => expect(parseDuration(raw)).toBe(ms));

  it.each(['', '1w', '-5s', '1.5h', 'soon'])('refuses %p', (raw) => {
    expect(() => parseDuration(raw)).toThrow(/must be a duration/);
  });
});

describe('looksLikePlaceholder', () => {
  it.each([
    'change-me',
    'CHANGEME-now',
    'your-secret-here',
    'example-key',
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  ])('flags %p', (value) => expect(looksLikePlaceholder(value)).toBe(true));
  it('accepts random material', () => {
    expect(looksLikePlaceholder('q8Zt3vN1yRk5pW0sLx7cB2mJ9dH4fG6aQ1eT8uV3')).toBe(false);
  });
});

describe('the application database role (migration:up)', () => {
  it('is off unless DATABASE_APP_ROLE is set', () => {
    expect(loadConfig({}).database.appRole).toBeUndefined();
    expect(
      loadConfig({ DATABASE_APP_ROLE: 'docent_app', DATABASE_APP_PASSWORD: 'f00d' }).database
        .appRole,
    ).toEqual({ name: 'docent_app', password: 'f00d' });
  });

  it('refuses an odd role name, a password without a role, and a placeholder password', () => {
    expect(problemsOf({ DATABASE_APP_ROLE: 'Docent App;--' })).toEqual([
      expect.stringMatching(/^DATABASE_APP_ROLE must be a lower-case PostgreSQL role name/),
    ]);
    expect(problemsOf({ DATABASE_APP_PASSWORD: 'x' })).toEqual([
      'DATABASE_APP_PASSWORD is set but DATABASE_APP_ROLE is not',
    ]);
    expect(
      problemsOf({
        ...production,
        DATABASE_APP_ROLE: 'docent_app',
        DATABASE_APP_PASSWORD: 'change-me',
      }),
    ).toContainEqual(expect.stringMatching(/^DATABASE_APP_PASSWORD holds a placeholder/));
  });
});
