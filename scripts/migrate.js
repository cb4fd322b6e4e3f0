#!/usr/bin/env node
// Runs the compiled migration CLI (dist/apps/api/apps/api/src/migrate.js). When the project has
// not been built yet (a fresh checkout) it builds the api first, so `npm run migration:up` works
// the same in a container and in a working copy.
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'dist/apps/api/apps/api/src/migrate.js');
const command = process.argv[2];
// creating a migration diffs the current entities, so it always needs a fresh build
if (!existsSync(entry) || command === 'create') {
  const nest = path.join(root, 'node_modules/.bin/nest');
  if (!existsSync(nest)) {
    console.error(
      `${entry} is missing and the Nest CLI is not installed: run npm ci && npm run build`,
    );
    process.exit(1);
  }
  const build = spawnSync(nest, ['build', 'api'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const run = spawnSync(process.execPath, [entry, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
