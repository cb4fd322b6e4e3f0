import { within } from './within';

describe('within', () => {
  it('settles with the work when it finishes in time', async () => {
    await expect(within(Promise.resolve(42), 1000, 'enqueue')).resolves.toBe(42);
    await expect(within(Promise.reject(new Error('queue down')), 1000, 'enqueue')).rejects.toThrow(
      'queue down',
    );
  });

  it('gives up after the timeout, naming what timed out', async () => {
    const never = new Promise<never>(() => undefined);
    const started = Date.now();
    await expect(within(never, 50, 'cancel')).rejects.toThrow('cancel timed out');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});
