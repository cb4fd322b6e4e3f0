#!/usr/bin/env node
// Runs the compiled migration CLI (dist/apps/api/apps/api/src/migrate.js), so the same code runs
// in a container (no TypeScript there) and in a working copy. In a working copy it builds the api
// first when the build is missing or older than the migration sources, and always before
// `create` (which diffs the current entities).
const { existsSync, readdirSync, statSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'dist/apps/api/apps/api/src/migrate.js');
const compiledList = path.join(root, 'dist/apps/api/libs/database/src/migrations/index.js');
const sourceDir = path.join(root, 'libs/database/src/migrations');
const nest = path.join(root, 'node_modules/.bin/nest');
const command = process.argv[2];

function sourcesNewerThanBuild() {
  if (!existsSync(sourceDir) || !existsSync(compiledList)) return !existsSync(compiledList);
  const built = statSync(compiledList).mtimeMs;
  return readdirSync(sourceDir).some(
    (file) => statSync(path.join(sourceDir, file)).mtimeMs > built,
  );
}

const needsBuild =
  !existsSync(entry) || command === 'create' || (existsSync(nest) && sourcesNewerThanBuild());
if (needsBuild) {
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
