// Two kinds of test: unit tests beside the code (no services), and e2e tests under test/ that
// boot the real apps against real PostgreSQL and Redis. Each run gets its own database and Redis
// key prefix (test/support/global-setup.ts), so runs never collide or touch development data.

// every library by name, and the dependency-free entries, from the one list (libs/libraries.json)
const libraries = require('./libs/libraries.json');
const names = libraries.tiers.flatMap((tier) => Object.keys(tier.libraries));
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const moduleNameMapper = {
  [`^@docent/(${names.join('|')})$`]: '<rootDir>/libs/$1/src',
  ...Object.fromEntries(
    Object.entries(libraries.entries).map(([name, path]) => [
      `^${escapeRegExp(name)}$`,
      `<rootDir>/${path}`,
    ]),
  ),
};
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
};
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform,
  moduleNameMapper,
  setupFiles: ['<rootDir>/test/support/fresh-orm-metadata.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  reporters: ['default'],
  // a global option: jest ignores testTimeout inside a project entry. e2e tests boot real apps
  testTimeout: 30000,
  // run the test files in a worker process that is replaced once it holds more than this after a
  // file: in one process (jest's choice on 2 cores) memory grew to 4 GB over the suite, and the
  // garbage collector's pauses then timed out tests that boot apps
  workerIdleMemoryLimit: '1GB',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'],
      // the web client's unit tests are Vitest's (apps/web/vitest.config.mts, `*.test.ts(x)`)
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/apps/web/'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
