import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const GENERATOR = join(ROOT, 'scripts', 'openapi-types.js');
const COMMITTED = join(ROOT, 'apps', 'web', 'src', 'api', 'openapi.gen.ts');

function generate(source?: string): string {
  const args = [GENERATOR, '--stdout', ...(source ? [source] : [])];
  return execFileSync(process.execPath, args, { encoding: 'utf8' });
}

/**
 * The web client's API types are generated from docs/openapi.json (scripts/openapi-types.js); this
 * fails when the committed apps/web/src/api/openapi.gen.ts and the document drift apart, like
 * test/openapi.e2e-spec.ts does for the document and the code. `npm run openapi` rewrites both.
 */
describe('generated web client types', () => {
  it('match what the generator makes of docs/openapi.json', () => {
    if (readFileSync(COMMITTED, 'utf8') !== generate()) {
      throw new Error(
        'apps/web/src/api/openapi.gen.ts is out of date: run `npm run openapi` and commit the result',
      );
    }
  });

  it('maps each schema construct the api uses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docent-openapi-types-'));
    try {
      const source = join(dir, 'openapi.json');
      const schemas = {
        Thing: {
          type: 'object',
          description: 'A thing',
          properties: {
            id: { type: 'string', format: 'uuid' },
            count: { type: 'integer', nullable: true },
            state: { type: 'string', enum: ['on', 'off'] },
            tags: { type: 'array', items: { type: 'string' } },
            owner: { $ref: '#/components/schemas/Owner' },
            parent: { allOf: [{ $ref: '#/components/schemas/Owner' }], description: 'Up' },
            either: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
            meta: { type: 'object', additionalProperties: true },
            scores: { type: 'object', additionalProperties: { type: 'number' } },
            'dotted.name': { type: 'boolean' },
          },
          required: ['id', 'count', 'state', 'owner'],
        },
        Owner: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      };
      writeFileSync(source, JSON.stringify({ openapi: '3.0.0', components: { schemas } }));
      const out = generate(source);
      expect(out).toContain(
        [
          '/** A thing */',
          'export interface Thing {',
          '  id: string;',
          '  count: number | null;',
          "  state: 'on' | 'off';",
          '  tags?: string[];',
          '  owner: Owner;',
          '  /** Up */',
          '  parent?: Owner;',
          '  either?: string | string[];',
          '  meta?: Record<string, unknown>;',
          '  scores?: Record<string, number>;',
          "  'dotted.name'?: boolean;",
          '}',
        ].join('\n'),
      );
      expect(out).toContain('export interface Owner {\n  name: string;\n}');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
