// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import regexp from 'eslint-plugin-regexp';
import tseslint from 'typescript-eslint';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Library boundaries (docs/architecture.md): code outside a library reaches it only through
 * `@docent/<name>` (or one of the listed dependency-free entries), and a library imports only the
 * libraries libs/libraries.json allows it, all below it in the picture. Tests may reach into a
 * library's files to test them from inside; everything else may not.
 */
const libraries = JSON.parse(
  readFileSync(join(import.meta.dirname, 'libs', 'libraries.json'), 'utf8'),
);
const allowedImports = new Map(libraries.tiers.flatMap((tier) => Object.entries(tier.libraries)));
const entries = Object.keys(libraries.entries);
const DEEP_IMPORT = {
  group: ['@docent/*/**', ...entries.map((entry) => `!${entry}`)],
  message:
    'Import another library through `@docent/<name>` (its index), not its files: what it does not export is its own business.',
};
// a relative path that leaves the library (`../../documents/src/…`, `../libs/…`)
const RELATIVE_ESCAPE = {
  regex: '^(\\.\\./)+(libs/)?[a-z-]+/src(/|$)',
  message: 'Import another library through `@docent/<name>`, not by a relative path into it.',
};
const boundaries = [
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [DEEP_IMPORT, RELATIVE_ESCAPE] }] },
  },
  ...[...allowedImports].map(([name, allowed]) => ({
    files: [`libs/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...allowedImports.keys()]
            .filter((other) => other !== name && !allowed.includes(other))
            .map((other) => ({
              name: `@docent/${other}`,
              message: `libs/${name} may not import @docent/${other}: see libs/libraries.json and docs/architecture.md.`,
            })),
          patterns: [DEEP_IMPORT, RELATIVE_ESCAPE],
        },
      ],
    },
  })),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'var/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { attributes: false } },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['error'] }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message:
            'Read configuration through ConfigService (libs/config); only entry points and tests touch process.env.',
        },
      ],
    },
  },
  {
    // the web client (apps/web, its own tsconfig with DOM types): the same type-aware rules
    files: ['apps/web/**/*.tsx', 'apps/web/**/*.mts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { attributes: false } },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: [
      'apps/*/src/main.ts',
      'apps/*/src/instrument.ts',
      'apps/*/src/migrate.ts',
      'apps/*/src/admin.ts',
      'libs/config/src/config.module.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      '**/*.spec.ts',
    ],
    rules: { 'no-restricted-syntax': 'off', 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
      sourceType: 'commonjs',
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Every regular expression in the product must run in linear time: user input reaches many
    // of them (uploads, questions, headers), and one backtracking pattern on the api's event loop
    // freezes every request (issue 12, the HTML sniffer). These two rules are errors, not hints.
    files: ['apps/**/*.ts', 'apps/**/*.tsx', 'libs/**/*.ts'],
    plugins: { regexp },
    rules: {
      'regexp/no-super-linear-backtracking': 'error',
      'regexp/no-super-linear-move': 'error',
    },
  },
  ...boundaries,
  prettier,
);
