/**
 * Waits for `work` at most `ms` milliseconds: rejects with "<what> timed out" after that (the
 * work itself goes on; its outcome is ignored). The timer never keeps the process alive.
 */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms).unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
