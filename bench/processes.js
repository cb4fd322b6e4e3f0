'use strict';
/**
 * The child processes of the benchmarks, handled one way: a built app with its output in a log
 * file (started, waited for, stopped), a one-shot node script, and the load generator (autocannon
 * in its own process, so it does not share the event loop of what it measures).
 */
const { spawn } = require('node:child_process');
const {
  closeSync,
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  realpathSync,
  rmSync,
  symlinkSync,
} = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { sleep, tail } = require('./support.js');

/**
 * A private copy of the build (dist/, with node_modules linked) in a new temporary folder, for
 * the benchmark's children to run: another `npm run build` (it empties dist/) during the run
 * must not pull files from under them (each extraction thread loads its module afresh). The
 * caller removes `tmp` at the end.
 */
function privateBuild(name) {
  const root = path.resolve(__dirname, '..');
  const tmp = mkdtempSync(path.join(os.tmpdir(), `docent-bench-${name}-`));
  const app = path.join(tmp, 'app');
  const build = {
    tmp,
    app,
    apiEntry: path.join(app, 'dist/apps/api/apps/api/src/main.js'),
    workerEntry: path.join(app, 'dist/apps/worker/apps/worker/src/main.js'),
    migrateEntry: path.join(app, 'dist/apps/api/apps/api/src/migrate.js'),
  };
  try {
    cpSync(path.join(root, 'dist'), path.join(app, 'dist'), { recursive: true });
    // to the real directory: the extraction sandbox grants reads on the resolved package paths,
    // and a link to a link (a worktree whose node_modules is itself a link) would be refused
    symlinkSync(
      realpathSync(path.join(root, 'node_modules')),
      path.join(app, 'node_modules'),
      'dir',
    );
    for (const entry of [build.apiEntry, build.workerEntry, build.migrateEntry]) {
      if (!existsSync(entry)) {
        throw new Error(`${path.relative(app, entry)} is missing: run \`npm run build\` first`);
      }
    }
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  return build;
}

/**
 * The Node.js options an entry point runs with in production: those of its `npm run start:*`
 * script (the same as docker-compose.yml and the Kubernetes manifests), so a benchmark measures
 * the process as it is deployed.
 */
function nodeFlagsFor(script) {
  const { scripts } = require('../package.json');
  const name = script.includes('apps/worker/src/main.js')
    ? 'start:worker'
    : script.includes('apps/api/src/main.js')
      ? 'start:api'
      : undefined;
  if (!name) return [];
  const words = scripts[name].split(/\s+/);
  return words.slice(1, -1);
}

/** A built app as a child process (with its production Node.js options), output to `logFile`. */
function startChild(name, script, env, logFile, cwd) {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeFlagsFor(script), script], {
    cwd,
    env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.logFile = logFile;
  child.label = name;
  child.exitInfo = null;
  child.exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve((child.exitInfo = { code, signal }))),
  );
  return child;
}

/** Throws, with the end of its log, when the child has exited. */
function assertAlive(child) {
  if (child.exitInfo) {
    throw new Error(
      `the ${child.label} exited (${JSON.stringify(child.exitInfo)}); its log ends with:\n${tail(child.logFile)}`,
    );
  }
}

/** Polls `url` until it answers 200; fails early when the child exits. */
async function waitReady(child, url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    assertAlive(child);
    try {
      const response = await globalThis.fetch(url);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the ${child.label} is not ready after ${timeoutMs} ms:\n${tail(child.logFile)}`,
      );
    }
    await sleep(200);
  }
}

/** SIGTERM (the graceful stop the apps implement), SIGKILL after `timeoutMs`. */
async function stopChild(child, timeoutMs = 15_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited =
    child.exited ??
    new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.kill('SIGTERM');
  const stopped = await Promise.race([exited, sleep(timeoutMs).then(() => null)]);
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Runs a node script to its end (a migration, a seed); its output, or an error with it. */
function runNode(script, args, env, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd, env, stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${script} ${args.join(' ')}: exit ${code}\n${out}`)),
    );
  });
}

// Runs in the load child: one autocannon run, latencies kept exactly (autocannon's own histogram
// has 1 ms resolution), a JSON summary on stdout.
const LOAD_SCRIPT = `
const autocannon = require(process.argv[1]);
const options = JSON.parse(process.argv[2]);
const latencies = [];
const instance = autocannon(options);
instance.on('response', (_client, statusCode, _bytes, ms) => {
  if (statusCode >= 200 && statusCode < 300) latencies.push(ms);
});
instance.then(
  (result) => {
    const sorted = Float64Array.from(latencies).sort();
    const pct = (p) => (sorted.length ? sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
    process.stdout.write(JSON.stringify({
      rps: result.requests.average,
      requests: result.requests.total,
      p50ms: pct(50),
      p95ms: pct(95),
      p99ms: pct(99),
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes: result.statusCodeStats,
      seconds: result.duration,
    }));
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
`;

/**
 * One autocannon run (`options` as autocannon takes them) in a child process. Rejects on any
 * non-2xx answer or error: a benchmark of failures measures nothing. `cpuMicros()` reads the
 * CPU time of what serves the load; the result carries it per request.
 */
function loadInChild(label, options, cpuMicros = () => 0, { allowEmpty = false } = {}) {
  const before = cpuMicros();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-e', LOAD_SCRIPT, require.resolve('autocannon'), JSON.stringify(options)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${label}: load generator exited with ${code}`));
      const result = JSON.parse(out);
      result.cpuUsPerRequest = (cpuMicros() - before) / Math.max(1, result.requests);
      if (result.non2xx > 0 || result.errors > 0 || (result.requests === 0 && !allowEmpty)) {
        return reject(
          new Error(
            `${label}: ${result.non2xx} non-2xx responses, ${result.errors} errors ` +
              `(${result.timeouts} timeouts) out of ${result.requests}; status codes ` +
              `${JSON.stringify(result.statusCodes)}. A benchmark of failures measures nothing.`,
          ),
        );
      }
      resolve(result);
    });
  });
}

module.exports = {
  privateBuild,
  startChild,
  assertAlive,
  waitReady,
  stopChild,
  runNode,
  loadInChild,
};
