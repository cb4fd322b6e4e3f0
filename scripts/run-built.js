#!/usr/bin/env node
// Runs one of the api's compiled command-line entry points (dist/apps/api/apps/api/src/<name>.js),
// building the api first in a working copy where the build is missing.
//   node scripts/run-built.js admin create --email a@b.c
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const [name, ...args] = process.argv.slice(2);
if (!name || !/^[a-z-]+$/.test(name)) {
  console.error('usage: run-built.js <entry> [args...]');
  process.exit(2);
}
const root = path.resolve(__dirname, '..');
const entry = path.join(root, `dist/apps/api/apps/api/src/${name}.js`);
const nest = path.join(root, 'node_modules/.bin/nest');
if (!existsSync(entry)) {
  if (!existsSync(nest)) {
    console.error(`${entry} is missing: run npm ci && npm run build`);
    process.exit(1);
  }
  const build = spawnSync(nest, ['build', 'api'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const run = spawnSync(process.execPath, [entry, ...args], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
