// Two kinds of test: unit tests beside the code (no services), and e2e tests under test/ that
// boot the real apps against real PostgreSQL and Redis. Each run gets its own database and Redis
// key prefix (test/support/global-setup.ts), so runs never collide or touch development data.
const moduleNameMapper = {
  '^@docent/(common|config|database|redis|queue|health|schema|audit|auth|mail|authorization|admin|crypto|storage|documents|chat|notifications)$':
    '<rootDir>/libs/$1/src',
  // a dependency-free entry for code that runs in extraction processes (see extract-in-child.ts)
  '^@docent/common/app-error$': '<rootDir>/libs/common/src/errors/app-error',
  // the dependency-free Node.js version check every entry point imports first
  '^@docent/common/node-version$': '<rootDir>/libs/common/src/runtime/node-version',
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
