import { type ChildProcess, spawn } from 'node:child_process';

/**
 * One run of an OCR program (`pdftoppm`, `tesseract`): started from an argument array, never a
 * shell, with exactly the environment given, killed (SIGKILL) when it outlives `timeoutMs`, writes
 * more than `maxStdoutBytes` on stdout, or `signal` aborts. Resolves with what happened; rejects
 * only when the program cannot be started at all.
 */

export interface BoundedRunOptions {
  timeoutMs: number;
  maxStdoutBytes: number;
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface BoundedRun {
  /** stdout as UTF-8 (at most `maxStdoutBytes` of it). */
  stdout: string;
  /** The last bytes of stderr, for a log line. */
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Killed: out of time, too much output, or aborted. */
  killed?: 'timeout' | 'output' | 'aborted';
}

const STDERR_TAIL_BYTES = 2048;

const live = new Set<ChildProcess>();

/** The OCR programs running now (tests, shutdown). */
export function ocrProcessPids(): number[] {
  return [...live].map((c) => c.pid).filter((pid): pid is number => pid !== undefined);
}

/** Kills every OCR program still running (worker shutdown). */
export function killOcrProcesses(): void {
  for (const child of live) child.kill('SIGKILL');
}

export function runBounded(
  file: string,
  args: readonly string[],
  options: BoundedRunOptions,
): Promise<BoundedRun> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ stdout: '', stderr: '', code: null, signal: null, killed: 'aborted' });
      return;
    }
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = Buffer.alloc(0);
    let killed: BoundedRun['killed'];
    const kill = (why: NonNullable<BoundedRun['killed']>) => {
      killed ??= why;
      child.kill('SIGKILL');
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (killed) return;
      if (stdoutBytes + chunk.length > options.maxStdoutBytes) return kill('output');
      stdout.push(chunk);
      stdoutBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]).subarray(-STDERR_TAIL_BYTES);
    });
    const timer = setTimeout(() => kill('timeout'), Math.max(options.timeoutMs, 0));
    const onAbort = () => kill('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      live.delete(child);
    };
    child.once('error', (error) => {
      done();
      reject(error);
    });
    child.once('close', (code, signal) => {
      done();
      resolve({
        stdout: Buffer.concat(stdout, stdoutBytes).toString('utf8'),
        stderr: stderr.toString('utf8'),
        code,
        signal,
        killed,
      });
    });
  });
}

/**
 * The programs' environment: nothing of the worker's (no secrets, no PATH: they are started by
 * absolute path), the C locale Tesseract wants, one OpenMP thread (the worker runs
 * `INGESTION_CONCURRENCY` jobs side by side already).
 */
export function ocrEnvironment(): NodeJS.ProcessEnv {
  return { LC_ALL: 'C', OMP_THREAD_LIMIT: '1' };
}

/** The private directories' prefix, in the system's temporary directory. */
export const OCR_DIR_PREFIX = 'docent-ocr-';

/** A run's end, for a log line: killed, exit code or signal, and its last stderr line. */
export function describeRun(run: BoundedRun): string {
  const end = run.killed ? `killed (${run.killed})` : run.signal ? run.signal : `code ${run.code}`;
  const last = run.stderr.trim().split('\n').pop()?.slice(0, 200);
  return last ? `${end}: ${last}` : end;
}
