// The chaos suite (`npm run test:chaos`): built apps as real processes under load while processes
// are killed and PostgreSQL/Redis restart or go away. It starts its own PostgreSQL cluster and
// Redis (free ports, temporary folders), so it needs no global set-up and never touches the
// machine's servers; plain `npm test` does not run it (its files end in .chaos-spec.ts).
const base = require('./jest.config.js');
const e2e = base.projects.find((project) => project.displayName === 'e2e');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: e2e.moduleFileExtensions,
  transform: e2e.transform,
  moduleNameMapper: e2e.moduleNameMapper,
  setupFiles: e2e.setupFiles,
  testMatch: ['<rootDir>/test/chaos/**/*.chaos-spec.ts'],
  testTimeout: 15 * 60_000,
  reporters: ['default'],
};
