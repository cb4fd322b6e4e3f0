import { tmpdir } from 'node:os';
import { ocrProcessPids, runBounded } from './ocr-process';

/** Whether a process is still there (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return true;
}

describe('runBounded', () => {
  it('kills a program that outlives its time (SIGKILL), and it is gone', async () => {
    const runs = runBounded('/bin/sleep', ['30'], {
      timeoutMs: 200,
      maxStdoutBytes: 1024,
      cwd: tmpdir(),
      env: {},
    });
    const [pid] = ocrProcessPids();
    expect(pid).toEqual(expect.any(Number));
    const run = await runs;
    expect(run).toMatchObject({ killed: 'timeout', signal: 'SIGKILL', code: null });
    expect(alive(pid)).toBe(false);
    expect(ocrProcessPids()).toEqual([]);
  });

  it('kills a program that prints more than allowed, keeping no more than that', async () => {
    const run = await runBounded('/usr/bin/yes', ['ocr'], {
      timeoutMs: 30_000,
      maxStdoutBytes: 4096,
      cwd: tmpdir(),
      env: {},
    });
    expect(run.killed).toBe('output');
    expect(Buffer.byteLength(run.stdout)).toBeLessThanOrEqual(4096);
  });

  it('kills a program when aborted, and never starts one after the abort', async () => {
    const controller = new AbortController();
    const runs = runBounded('/bin/sleep', ['30'], {
      timeoutMs: 30_000,
      maxStdoutBytes: 1024,
      cwd: tmpdir(),
      env: {},
      signal: controller.signal,
    });
    controller.abort();
    expect(await runs).toMatchObject({ killed: 'aborted', signal: 'SIGKILL' });
    const after = await runBounded('/bin/sleep', ['30'], {
      timeoutMs: 30_000,
      maxStdoutBytes: 1024,
      cwd: tmpdir(),
      env: {},
      signal: controller.signal,
    });
    expect(after).toMatchObject({ killed: 'aborted', code: null, signal: null });
  });

  it('passes arguments as they are, with no shell in between', async () => {
    const run = await runBounded('/bin/echo', ['$HOME; rm -rf /', '`id`'], {
      timeoutMs: 5000,
      maxStdoutBytes: 1024,
      cwd: tmpdir(),
      env: {},
    });
    expect(run.stdout).toBe('$HOME; rm -rf / `id`\n');
  });
});
