import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './load-config';

const root = join(__dirname, '..', '..', '..');

function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) env[match[1]] = match[2];
  }
  return env;
}

describe('.env.example', () => {
  const example = parseEnvFile(readFileSync(join(root, '.env.example'), 'utf8'));

  it('lists every variable the configuration reads', () => {
    // every file of the library that reads variables (loadConfig is split by section)
    const source = readdirSync(__dirname)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
      .map((file) => readFileSync(join(__dirname, file), 'utf8'))
      .join('\n');
    const read = [...source.matchAll(/(?:read|optional)(?:<[^>]+>)?\(\s*'([A-Z0-9_]+)'/g)].map(
      (m) => m[1],
    );
    expect(read.length).toBeGreaterThan(30);
    expect(read.filter((name) => !(name in example))).toEqual([]);
  });

  it('is documented variable by variable in the README', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(Object.keys(example).filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });

  it('loads as a valid development configuration', () => {
    expect(() => loadConfig(example)).not.toThrow();
  });

  it('holds no value production would accept as a secret', () => {
    expect(() => loadConfig({ ...example, NODE_ENV: 'production' })).toThrow(
      /JWT_ACCESS_SECRET holds a placeholder[\s\S]*DATA_ENCRYPTION_KEYS key "dev" is a placeholder/,
    );
  });
});
