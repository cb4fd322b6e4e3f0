'use strict';
/**
 * CPU profiles of a benchmark's own process (the servers it runs in-process), taken with the
 * inspector while one load runs, and their top frames: where the time of a hot route goes.
 *
 *   BENCH_PROFILE=1 npm run bench -- auth      profiles one extra Docent run, prints the top frames,
 *                                             writes bench/profiles/<label>.cpuprofile (open it in
 *                                             Chrome DevTools or speedscope for the flame graph)
 *   node bench/profiling.js FILE.cpuprofile    the top frames of a saved profile
 */
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const inspector = require('node:inspector/promises');
const path = require('node:path');

const enabled = () => process.env.BENCH_PROFILE === '1';

/** Runs `fn` under the CPU profiler; writes the profile and returns it with `fn`'s result. */
async function profiled(label, fn) {
  const session = new inspector.Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const result = await fn();
    const { profile } = await session.post('Profiler.stop');
    const dir = path.join(__dirname, 'profiles');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${label.replace(/[^a-z0-9-]+/gi, '-')}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return { result, profile, file };
  } finally {
    session.disconnect();
  }
}

/** Where a frame's code comes from: a package, Docent's own code, Node's internals or V8. */
function origin(url) {
  if (!url) return '(native/V8)';
  if (url.startsWith('node:')) return 'node internals';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (url.includes('/dist/')) return 'docent (dist)';
  return path.basename(url);
}

/**
 * Self time per function and per origin, as shares of all samples: the top `limit` of each.
 * Idle and program samples are counted apart (the share of the whole run that was not work).
 */
function topFrames(profile, limit = 20) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const functions = new Map();
  const origins = new Map();
  let idle = 0;
  for (const [id, count] of counts) {
    const { callFrame } = byId.get(id);
    if (callFrame.functionName === '(idle)') {
      idle += count;
      continue;
    }
    const where = callFrame.url
      ? `${origin(callFrame.url)} ${path.basename(callFrame.url)}:${callFrame.lineNumber + 1}`
      : origin(callFrame.url);
    const key = `${callFrame.functionName || '(anonymous)'} — ${where}`;
    functions.set(key, (functions.get(key) ?? 0) + count);
    const from = origin(callFrame.url);
    origins.set(from, (origins.get(from) ?? 0) + count);
  }
  const busy = total - idle;
  const share = (count) => `${((100 * count) / busy).toFixed(1)}%`;
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, limit);
  return {
    busyShare: busy / total,
    functions: sorted(functions).map(([name, count]) => ({ name, share: share(count) })),
    origins: sorted(origins).map(([name, count]) => ({ name, share: share(count) })),
  };
}

/** The top frames as markdown tables (self time, shares of the non-idle samples). */
function topFramesMarkdown(profile, limit = 15) {
  const top = topFrames(profile, limit);
  return [
    `busy ${(100 * top.busyShare).toFixed(0)}% of the samples; shares below are of the busy ones.`,
    '',
    '| self time | function — origin file:line |',
    '| ---: | --- |',
    ...top.functions.map((row) => `| ${row.share} | \`${row.name.replace(/\|/g, '\\|')}\` |`),
    '',
    '| self time | origin |',
    '| ---: | --- |',
    ...top.origins.slice(0, 10).map((row) => `| ${row.share} | ${row.name} |`),
  ].join('\n');
}

module.exports = { enabled, profiled, topFrames, topFramesMarkdown };

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/profiling.js FILE.cpuprofile');
    process.exit(2);
  }
  console.log(topFramesMarkdown(JSON.parse(readFileSync(file, 'utf8')), 25));
}
