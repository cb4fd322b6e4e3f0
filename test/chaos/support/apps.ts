import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '@docent/config';
import { ensureBuiltApi, ensureBuiltWorker } from '../../support/built-worker';
import { freePort, sleep } from './services';

function httpStatus(url: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/**
 * One built app (`npm run start:api` / `start:worker`) as a real child process on a fixed port,
 * so it can be SIGKILLed or SIGTERMed and started again at the same address. Its output goes to
 * a log file (kept for a failed run).
 */
export class AppProcess {
  port = 0;
  private child?: ChildProcess;
  private exited?: Promise<number | NodeJS.Signals | null>;
  private log?: WriteStream;
  /** When the current process started listening (ready), for recovery times. */
  readyAt = 0;
  starts = 0;

  constructor(
    readonly name: string,
    readonly kind: 'api' | 'worker',
    private readonly env: Env,
    readonly logDir: string = tmpdir(),
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = 90_000): Promise<void> {
    if (!this.port) this.port = await freePort();
    const entry = this.kind === 'api' ? ensureBuiltApi() : ensureBuiltWorker();
    this.starts += 1;
    this.log ??= createWriteStream(join(this.logDir, `${this.name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [entry], {
      cwd: tmpdir(),
      env: {
        PATH: process.env.PATH ?? '',
        ...this.env,
        ...(this.kind === 'api'
          ? { PORT: String(this.port) }
          : { WORKER_HTTP_PORT: String(this.port) }),
      } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.log.write(`--- start #${this.starts} pid ${child.pid} at ${new Date().toISOString()}\n`);
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ?? code));
    });
    const started = Date.now();
    // live, not ready: an app must come up even while a dependency is down
    while ((await httpStatus(`${this.url}/health/live`)) !== 200) {
      if (!this.running)
        throw new Error(`${this.name} exited while starting (see ${this.logFile})`);
      if (Date.now() - started > timeoutMs) {
        throw new Error(`${this.name} did not start within ${timeoutMs} ms (see ${this.logFile})`);
      }
      await sleep(100);
    }
    this.readyAt = Date.now();
  }

  get logFile(): string {
    return join(this.logDir, `${this.name}.log`);
  }

  /** Sends `signal` and waits for the process to exit; returns how it exited. */
  async stop(signal: NodeJS.Signals): Promise<number | NodeJS.Signals | null> {
    if (!this.running) return null;
    this.log?.write(`--- ${signal} at ${new Date().toISOString()}\n`);
    this.child!.kill(signal);
    return this.exited!;
  }

  async ready(): Promise<boolean> {
    return (await httpStatus(`${this.url}/health/ready`)) === 200;
  }

  async close(): Promise<void> {
    if (this.running) await this.stop('SIGKILL');
    this.log?.end();
  }
}
