// `npm run test:cluster`: the topology test (HAProxy + 2 built api processes + 3 built workers on
// the run's PostgreSQL database and Redis). Its own config so plain `npm test` never runs it; the
// e2e project's set-up (a fresh migrated database, a least-privilege role, a Redis key prefix)
// is reused as is.
const root = require('../../jest.config.js');

const e2e = root.projects.find((project) => project.displayName === 'e2e');

/** @type {import('jest').Config} */
module.exports = {
  ...e2e,
  displayName: 'cluster',
  testMatch: ['<rootDir>/test/cluster/**/*.cluster-spec.ts'],
  reporters: root.reporters,
  // processes start, jobs run, an api is killed and restarted
  testTimeout: 180000,
};
