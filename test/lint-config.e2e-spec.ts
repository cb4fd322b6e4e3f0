import { join } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = join(__dirname, '..');

/**
 * The guard rail of issue 12 #1: a regular expression that can backtrack super-linearly is a lint
 * error everywhere in the product, so `npm run lint` (and CI) stops it before it ships.
 */
describe('lint configuration', () => {
  const eslint = new ESLint({ cwd: ROOT });

  it.each([
    'libs/documents/src/ingestion/detect-type.ts',
    'libs/common/src/http/request-id.ts',
    'apps/api/src/bootstrap.ts',
    'apps/web/src/api/client.ts',
  ])('forbids super-linear regular expressions in %s', async (file) => {
    const config = (await eslint.calculateConfigForFile(join(ROOT, file))) as {
      rules: Record<string, unknown>;
    };
    for (const rule of ['regexp/no-super-linear-backtracking', 'regexp/no-super-linear-move']) {
      const setting = config.rules[rule];
      const level = Array.isArray(setting) ? setting[0] : setting;
      expect([2, 'error']).toContain(level);
    }
  });

  it('reports a backtracking pattern as an error', async () => {
    // linted as a plain script (the type-aware rules need a file of the TypeScript project)
    const [result] = await new ESLint({
      cwd: ROOT,
      overrideConfigFile: true,
      overrideConfig: {
        plugins: { regexp: (await import('eslint-plugin-regexp')).default },
        rules: { 'regexp/no-super-linear-backtracking': 'error' },
      },
    }).lintText(
      'export const sniff = /^\\s*(?:<!--.*-->\\s*)*a\\s*b\\s*$/;\nexport const x = /a+a+$/;\n',
    );
    expect(result.messages.map((m) => m.ruleId)).toContain('regexp/no-super-linear-backtracking');
  });
});
