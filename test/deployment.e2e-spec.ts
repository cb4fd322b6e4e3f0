import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import { loadConfig } from '@docent/config';

const ROOT = join(__dirname, '..');

interface Service {
  profiles?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
}
interface Compose {
  services: Record<string, Service>;
}

const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
// Compose resolves YAML merge keys (`<<: *app`); js-yaml 5 needs them enabled
const compose = load(composeText, { schema: CORE_SCHEMA.withTags(mergeTag) }) as Compose;

function generateEnv(mode?: string): Record<string, string> {
  const text = execFileSync(
    'sh',
    [join(ROOT, 'scripts/generate-env.sh'), ...(mode ? [mode] : [])],
    {
      encoding: 'utf8',
    },
  );
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (line.startsWith('#') || at < 0) continue;
    env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

/** `docker compose up` must be a safe production start (issue 12 #10); read, since CI has no Docker. */
describe('docker compose, as shipped', () => {
  it('runs Mailpit only in the dev profile and only on loopback', () => {
    const mailpit = compose.services.mailpit;
    expect(mailpit.profiles).toEqual(['dev']);
    expect(mailpit.ports?.length).toBeGreaterThan(0);
    for (const port of mailpit.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    for (const name of ['api', 'worker', 'migrate']) {
      expect(Object.keys(compose.services[name].depends_on ?? {})).not.toContain('mailpit');
    }
  });

  it('starts in production mode and has no built-in secret, password or mail server', () => {
    const api = compose.services.api.environment ?? {};
    expect(api.NODE_ENV).toBe('${NODE_ENV:-production}');
    for (const name of ['JWT_ACCESS_SECRET', 'DATA_ENCRYPTION_KEYS', 'SMTP_URL']) {
      // `${NAME:?message}`: Compose refuses to start without it and prints the message
      expect(api[name]).toMatch(new RegExp(`^\\$\\{${name}:\\?.*generate-env|relay`));
    }
    expect(api.DATABASE_URL).toMatch(/\$\{POSTGRES_APP_PASSWORD:\?/);
    expect(compose.services.postgres.environment?.POSTGRES_PASSWORD).toMatch(
      /^\$\{POSTGRES_PASSWORD:\?/,
    );
    // no `${SECRET:-default}` anywhere (an empty default means "not set", which is fine)
    expect(composeText).not.toMatch(/\$\{[A-Z_]*(?:SECRET|PASSWORD|KEYS?)\b:-[^}]/);
  });

  it('runs the apps as the least-privilege role and migrations as the owner', () => {
    for (const name of ['api', 'worker']) {
      const env = compose.services[name].environment ?? {};
      expect(env.DATABASE_URL).toMatch(/^postgresql:\/\/docent_app:/);
      expect(env.DATABASE_APP_ROLE).toBeUndefined();
    }
    const migrate = compose.services.migrate.environment ?? {};
    expect(migrate.DATABASE_URL).toMatch(/^postgresql:\/\/docent:/);
    expect(migrate.DATABASE_APP_ROLE).toBe('docent_app');
    expect(migrate.DATABASE_APP_PASSWORD).toMatch(/^\$\{POSTGRES_APP_PASSWORD:\?/);
  });
});

describe('scripts/generate-env.sh', () => {
  it('prints fresh secrets every time', () => {
    const [a, b] = [generateEnv('dev'), generateEnv('dev')];
    for (const name of [
      'JWT_ACCESS_SECRET',
      'DATA_ENCRYPTION_KEYS',
      'POSTGRES_PASSWORD',
      'POSTGRES_APP_PASSWORD',
    ]) {
      expect(a[name]).toBeTruthy();
      expect(a[name]).not.toBe(b[name]);
    }
    // the database passwords go into URLs unescaped
    expect(a.POSTGRES_PASSWORD).toMatch(/^[0-9a-f]{48}$/);
    expect(a.POSTGRES_APP_PASSWORD).toMatch(/^[0-9a-f]{48}$/);
  });

  it('gives secrets that production accepts', () => {
    const env = generateEnv();
    expect(env.NODE_ENV).toBe('production');
    // what the operator must still fill in is left empty, so Compose names it
    expect(env.SMTP_URL).toBe('');
    const config = loadConfig({ ...env, SMTP_URL: 'smtp://relay.example.org:587' });
    expect(config.auth.jwtAccessSecret).toBe(env.JWT_ACCESS_SECRET);
  });

  it('gives a development file that points mail at Mailpit', () => {
    const env = generateEnv('dev');
    expect(env).toMatchObject({ NODE_ENV: 'development', SMTP_URL: 'smtp://mailpit:1025' });
    expect(() => loadConfig(env)).not.toThrow();
  });
});
