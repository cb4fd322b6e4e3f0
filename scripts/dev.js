#!/usr/bin/env node
// `npm run start:dev`: the api and the worker in watch mode, side by side, one Ctrl-C stops both.
// Usage: npm run start:dev            (both)
//        npm run start:dev -- api     (one of them)
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const nest = path.join(root, 'node_modules/.bin/nest');
const apps = process.argv.slice(2).filter((a) => ['api', 'worker'].includes(a));
const children = (apps.length ? apps : ['api', 'worker']).map((app) =>
  spawn(nest, ['start', app, '--watch', '--preserveWatchOutput'], { cwd: root, stdio: 'inherit' }),
);
let exiting = false;
const stop = (signal) => {
  if (exiting) return;
  exiting = true;
  for (const child of children) child.kill(signal);
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
for (const child of children) {
  child.on('exit', (code) => {
    stop('SIGTERM');
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null))
      process.exit(code ?? 0);
  });
}
