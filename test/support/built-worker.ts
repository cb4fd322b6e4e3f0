import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '@docent/config';

const ROOT = join(__dirname, '..', '..');
/** The compiled worker, as `npm run start:worker` runs it. */
export const BUILT_WORKER = join(ROOT, 'dist/apps/worker/apps/worker/src/main.js');
/** The compiled api (its folder also holds the migration CLI, `migrate.js`). */
export const BUILT_API = join(ROOT, 'dist/apps/api/apps/api/src/main.js');

/** The newest modification time of the TypeScript sources the worker is built from. */
function newestSource(app: 'api' | 'worker'): number {
  let newest = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        newest = Math.max(newest, statSync(path).mtimeMs);
      }
    }
  };
  visit(join(ROOT, 'apps', app, 'src'));
  for (const lib of readdirSync(join(ROOT, 'libs'))) {
    const src = join(ROOT, 'libs', lib, 'src');
    if (existsSync(src)) visit(src);
  }
  return newest;
}

/**
 * Builds an app (`nest build <app>`) when its compiled entry point is missing or older than any
 * source, like scripts/migrate.js does for the api. Returns the entry point.
 */
function ensureBuilt(app: 'api' | 'worker', entry: string): string {
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestSource(app)) {
    return entry;
  }
  const started = Date.now();
  const build = spawnSync(join(ROOT, 'node_modules/.bin/nest'), ['build', app], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  // tsc still emits when another part of the tree has a type error; what matters is a fresh build
  const fresh = existsSync(entry) && statSync(entry).mtimeMs >= started - 1000;
  if (!fresh) {
    throw new Error(`nest build ${app} failed:\n${build.stdout}\n${build.stderr}`);
  }
  return entry;
}

export function ensureBuiltWorker(): string {
  return ensureBuilt('worker', BUILT_WORKER);
}

export function ensureBuiltApi(): string {
  return ensureBuilt('api', BUILT_API);
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the process wrote (stdout and stderr). */
  output: string[];
  /** Resolves with the exit code or signal. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/**
 * Runs the built worker in a child process with exactly `env` (plus PATH), from a neutral
 * directory so no `.env` file is picked up.
 */
export function spawnBuiltWorker(env: Env): WorkerProcess {
  return spawnBuilt(ensureBuiltWorker(), env);
}

/**
 * Runs the built api the same way (`npm run start:api`) on `env.PORT` and returns at once; the
 * caller waits for readiness (see `spawnBuiltApi` for one that picks a port and waits).
 */
export function runBuiltApi(env: Env): WorkerProcess {
  return spawnBuilt(ensureBuiltApi(), env);
}

/** Runs a built entry point with exactly `env` (plus PATH), from a neutral directory. */
export function spawnBuilt(entry: string, env: Env): WorkerProcess {
  const child = spawn(process.execPath, [entry], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? code));
  });
  return { child, output, exited };
}

export interface ApiProcess extends WorkerProcess {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
}

/** A TCP port nobody listens on right now (for a child that must be told its port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs the built api (`npm run start:api`) in a child process with exactly `env` (plus PATH and
 * a free PORT), from a neutral directory, and resolves once `/health/live` answers.
 */
export async function spawnBuiltApi(env: Env, readyTimeoutMs = 60_000): Promise<ApiProcess> {
  const port = await freePort();
  const { child, output, exited } = spawnBuilt(ensureBuiltApi(), {
    ...env,
    HOST: '127.0.0.1',
    PORT: String(port),
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the built api exited (${child.exitCode}):\n${output.join('')}`);
    }
    const live = await fetch(`${baseUrl}/health/live`).then(
      (res) => res.ok,
      () => false,
    );
    if (live) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the built api did not start in time:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { child, output, exited, baseUrl };
}
