'use strict';
/**
 * What every benchmark needs around its measurement: a free port, admin SQL on the benchmark's
 * PostgreSQL server, cleaning its Redis keys, the tail of a child's log, and writing its own
 * section of bench/RESULTS.md (replacing the previous run's) and its figures in bench/results.json.
 */
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { setTimeout } = require('node:timers');
const { URL } = require('node:url');
const Redis = require('ioredis');
const { Client } = require('pg');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function adminQuery(serverUrl, sql) {
  const url = new URL(serverUrl);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** Deletes every key under `prefix`; returns how many. */
async function deleteKeys(redisUrl, prefix) {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    await redis.quit();
  }
}

const tail = (file, lines = 30) => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

/** Replaces (or appends) the section that starts with `heading` in bench/RESULTS.md. */
async function writeResults(heading, section) {
  const file = path.join(__dirname, 'RESULTS.md');
  const text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Benchmark results\n\nEach section is replaced by the next run of its benchmark.\n';
  const block = `${section.trim()}\n\n`;
  const start = text.indexOf(`${heading}\n`);
  let updated;
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + heading.length);
    updated = text.slice(0, start) + block + (next >= 0 ? text.slice(next + 1) : '');
  } else {
    updated = `${text.trimEnd()}\n\n${block}`;
  }
  const prettier = require('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(updated, { ...options, filepath: file }));
}

/**
 * Replaces `benchmark`'s entry in bench/results.json: `{benchmark: {figure: value}}`, ratios
 * included, plus when, on what and under which load it ran, so a regression shows as a diff.
 * Figures are numbers (rounded to 4 significant digits) or short strings; keys keep their order.
 */
async function writeFigures(benchmark, figures) {
  const file = path.join(__dirname, 'results.json');
  const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const entry = {};
  for (const [key, value] of Object.entries(figures)) {
    if (typeof value === 'number') {
      entry[key] = Number.isFinite(value) ? Number(value.toPrecision(4)) : null;
    } else if (value !== undefined) {
      entry[key] = value;
    }
  }
  entry.date = new Date().toISOString();
  entry.machine = `${os.availableParallelism()} cores, ${os.cpus()[0]?.model?.trim() ?? 'unknown CPU'}, node ${process.version}`;
  entry.loadAverage1m = Number(os.loadavg()[0].toFixed(2));
  all[benchmark] = entry;
  const sorted = Object.fromEntries(
    Object.keys(all)
      .sort()
      .map((key) => [key, all[key]]),
  );
  const prettier = require('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(
    file,
    await prettier.format(JSON.stringify(sorted), { ...options, filepath: file }),
  );
}

/** mulberry32: a small seeded PRNG, so a run's text is reproducible from its seed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The readable set of a benchmark's caller as the api's SQL has it: every completed document for
 * an admin, else the caller's own and those shared with them (`?` placeholders).
 */
function readableSql(userId, isAdmin) {
  return isAdmin
    ? {
        sql: `select d.id from documents d where d.id is not null and d.status = 'completed'`,
        params: [],
      }
    : {
        sql: `select d.id from documents d
               where (d.owner_id = ?
                      or d.id in (select s.document_id from document_shares s where s.user_id = ?))
                 and d.status = 'completed'`,
        params: [userId, userId],
      };
}

module.exports = {
  sleep,
  freePort,
  adminQuery,
  deleteKeys,
  tail,
  writeResults,
  writeFigures,
  prng,
  readableSql,
};
