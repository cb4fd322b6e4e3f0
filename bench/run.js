#!/usr/bin/env node
// Benchmarks. Each one measures Docent against a baseline in the same run and reports the ratio,
// so results compare across machines. Needs a build (`npm run build`) and PostgreSQL/Redis
// reachable with the configuration of .env (or the defaults).
//
//   npm run bench                 all benchmarks
//   npm run bench -- http         one of them
const { existsSync } = require('node:fs');
const path = require('node:path');

const benchmarks = {
  http: require('./http-pipeline.bench.js'),
  auth: require('./auth-get.bench.js'),
  sockets: require('./sockets.bench.js'),
  ingestion: require('./ingestion.bench.js'),
  chat: require('./chat.bench.js'),
  search: require('./search.bench.js'),
  'search-scale': require('./search-scale.bench.js'),
  workers: require('./workers.bench.js'),
};

async function main() {
  const root = path.resolve(__dirname, '..');
  if (!existsSync(path.join(root, 'dist/apps/api/apps/api/src/bootstrap.js'))) {
    console.error('run `npm run build` first');
    process.exit(1);
  }
  if (existsSync(path.join(root, '.env'))) process.loadEnvFile(path.join(root, '.env'));
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(benchmarks);
  for (const name of names) {
    const bench = benchmarks[name];
    if (!bench) {
      console.error(`unknown benchmark ${name}; have: ${Object.keys(benchmarks).join(', ')}`);
      process.exit(2);
    }
    console.log(`\n## ${name}: ${bench.description}`);
    const result = await bench.run();
    console.table(result.rows);
    console.log(result.summary);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
