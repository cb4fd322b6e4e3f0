import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { ensureBuiltApi, ensureBuiltWorker } from './support/built-worker';

/**
 * On an older Node.js every entry point stops with one line naming the required version, before
 * NestJS or MikroORM load (they would fail with a stack trace from inside an import). The old
 * runtime is played by rewriting `process.versions.node` before the entry loads; where the machine
 * also has an older real `node` (Debian's, on these machines), the built entries are run on it too.
 */
const REFUSAL =
  /^Docent requires Node\.js 24 LTS or newer; this is Node\.js 20\.20\.2\. Install Node\.js 24 \(see \.nvmrc\) and run again\.\n$/;

function entries(): Record<string, string> {
  const api = ensureBuiltApi();
  const worker = ensureBuiltWorker();
  return {
    api,
    worker,
    'migration:up': join(dirname(api), 'migrate.js'),
    'admin:create': join(dirname(api), 'admin.js'),
  };
}

describe('an unsupported Node.js', () => {
  it.each(Object.keys(entries()))('%s refuses to start with one line', (name) => {
    const entry = entries()[name];
    const preload = `Object.defineProperty(process.versions, 'node', { value: '20.20.2' }); require(${JSON.stringify(entry)});`;
    const run = spawnSync(process.execPath, ['-e', preload, 'up'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(REFUSAL);
  });

  it("refuses on the machine's own older node, if it has one", () => {
    const system = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], {
      encoding: 'utf8',
    });
    const major = Number.parseInt(system.stdout ?? '', 10);
    // a machine without an older node has nothing more to show than the test above
    if (system.status !== 0 || !(major < 24)) return;
    for (const entry of Object.values(entries())) {
      const run = spawnSync('/usr/bin/node', [entry], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '' },
        timeout: 20_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain('Docent requires Node.js 24 LTS or newer');
    }
  });
});
