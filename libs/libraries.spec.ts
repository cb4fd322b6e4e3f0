import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * libs/libraries.json is the one list of libraries: jest.config.js and eslint.config.mjs read
 * it; tsconfig.json, nest-cli.json and docs/architecture.md cannot, so this checks them against
 * it and against libs/.
 */
interface Libraries {
  tiers: { name: string; libraries: Record<string, string[]> }[];
  entries: Record<string, string>;
}

const ROOT = join(__dirname, '..');
const readJson = <T>(path: string): T => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as T;

const libraries = readJson<Libraries>('libs/libraries.json');
const names = libraries.tiers.flatMap((tier) => Object.keys(tier.libraries));
const sorted = (values: Iterable<string>) => [...values].sort();
const importsOf = new Map(libraries.tiers.flatMap((tier) => Object.entries(tier.libraries)));

/** Whether `from` reaches `to` without the direct edge between them. */
function reachesIndirectly(from: string, to: string): boolean {
  const pending = (importsOf.get(from) ?? []).filter((name) => name !== to);
  const seen = new Set<string>();
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (name === to) return true;
    if (seen.has(name)) continue;
    seen.add(name);
    pending.push(...(importsOf.get(name) ?? []));
  }
  return false;
}

/** The mermaid picture of docs/architecture.md: the tiers, and the edges no path implies. */
function picture(): string {
  const lines = ['flowchart BT'];
  for (const tier of libraries.tiers) {
    lines.push(`  subgraph ${tier.name}`, ...Object.keys(tier.libraries).map((n) => `    ${n}`));
    lines.push('  end');
  }
  for (const [name, imports] of importsOf) {
    for (const dependency of imports) {
      if (!reachesIndirectly(name, dependency)) lines.push(`  ${name} --> ${dependency}`);
    }
  }
  return ['```mermaid', ...lines, '```'].join('\n');
}

describe('the library lists', () => {
  it('name every folder of libs/, once', () => {
    const folders = readdirSync(join(ROOT, 'libs'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(sorted(names)).toEqual(sorted(folders));
    expect(new Set(names).size).toBe(names.length);
  });

  it('agree with tsconfig.json paths: each library by name, and the listed entries', () => {
    const { paths } = readJson<{ compilerOptions: { paths: Record<string, string[]> } }>(
      'tsconfig.json',
    ).compilerOptions;
    const expected: Record<string, string[]> = {};
    for (const name of names) expected[`@docent/${name}`] = [`./libs/${name}/src`];
    for (const [entry, path] of Object.entries(libraries.entries)) expected[entry] = [`./${path}`];
    expect(paths).toEqual(expected);
  });

  it('agree with the library projects of nest-cli.json', () => {
    const { projects } = readJson<{
      projects: Record<string, { type: string; root: string; sourceRoot: string }>;
    }>('nest-cli.json');
    const projectLibraries = Object.entries(projects).filter(([, p]) => p.type === 'library');
    expect(sorted(projectLibraries.map(([name]) => name))).toEqual(sorted(names));
    for (const [name, project] of projectLibraries) {
      expect(project).toMatchObject({ root: `libs/${name}`, sourceRoot: `libs/${name}/src` });
    }
  });

  it('point the entries at files of their library', () => {
    for (const [entry, path] of Object.entries(libraries.entries)) {
      const [, name] = /^@docent\/([a-z-]+)\//.exec(entry) ?? [];
      expect(path.startsWith(`libs/${name}/src/`)).toBe(true);
      expect(() => readFileSync(join(ROOT, `${path}.ts`))).not.toThrow();
    }
  });

  it('let a library import only libraries of a lower tier or earlier in its own (no cycle)', () => {
    const seen = new Set<string>();
    for (const tier of libraries.tiers) {
      for (const [name, imports] of Object.entries(tier.libraries)) {
        const unknownOrLater = imports.filter((dependency) => !seen.has(dependency));
        expect({ [name]: unknownOrLater }).toEqual({ [name]: [] });
        seen.add(name);
      }
    }
  });

  it('agree with the picture and the table of docs/architecture.md', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
    expect(doc).toContain(picture());
    const rows = new Map(
      [...doc.matchAll(/^\| `([a-z-]+)` +\| ([a-z]+) +\| ([a-z]+(?:, [a-z]+)*) +\|$/gm)].map(
        ([, name, tier, imports]) => [name, `${tier}: ${imports}`],
      ),
    );
    for (const tier of libraries.tiers) {
      for (const [name, imports] of Object.entries(tier.libraries)) {
        expect(rows.get(name)).toBe(`${tier.name}: ${imports.join(', ') || 'nothing'}`);
      }
    }
    expect(rows.size).toBe(names.length);
  });
});
