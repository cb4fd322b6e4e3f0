import { Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { MaintenanceTasks, SCHEDULE_RETRY_MS } from './maintenance';
import type { MaintenanceJobPayload } from './queue.contracts';

/** Bull's repeatable-job bookkeeping as far as scheduling uses it; `down` fails every call. */
function fakeQueue(repeatables: { name: string; key: string; every: string | null }[]) {
  const state = { down: false, added: [] as unknown[][], removed: [] as string[] };
  const check = () => {
    if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
  };
  const queue = {
    getRepeatableJobs: async () => {
      check();
      return repeatables;
    },
    removeRepeatableByKey: async (key: string) => {
      check();
      state.removed.push(key);
    },
    add: async (...args: unknown[]) => {
      check();
      state.added.push(args);
      return {};
    },
  };
  return { queue: queue as unknown as Queue<MaintenanceJobPayload>, state };
}

const noop = async () => undefined;

describe('MaintenanceTasks scheduling', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('schedules each task registered with an interval under its fixed job id at start', async () => {
    const { queue, state } = fakeQueue([]);
    const tasks = new MaintenanceTasks(queue);
    tasks.register('a.purge', noop, { jobId: 'a.purge', everyMs: 3_600_000 });
    tasks.register('b.prune', noop, {
      jobId: 'b-prune',
      everyMs: 900_000,
      keepCompleted: 100,
      keepFailed: 100,
    });
    tasks.register('c.on-demand', noop);
    tasks.onApplicationBootstrap();
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.added).toEqual([
      [
        'a.purge',
        { task: 'a.purge' },
        {
          jobId: 'a.purge',
          repeat: { every: 3_600_000 },
          removeOnComplete: true,
          removeOnFail: 50,
        },
      ],
      [
        'b.prune',
        { task: 'b.prune' },
        { jobId: 'b-prune', repeat: { every: 900_000 }, removeOnComplete: 100, removeOnFail: 100 },
      ],
    ]);
    tasks.onApplicationShutdown();
  });

  it('removes a schedule of the task left by another interval, and nothing else', async () => {
    const { queue, state } = fakeQueue([
      { name: 'a.purge', key: 'old', every: '60000' },
      { name: 'a.purge', key: 'same', every: '3600000' },
      { name: 'b.prune', key: 'theirs', every: '60000' },
    ]);
    const tasks = new MaintenanceTasks(queue);
    tasks.register('a.purge', noop, { jobId: 'a.purge', everyMs: 3_600_000 });
    await tasks.schedule('a.purge');
    expect(state.removed).toEqual(['old']);
    await tasks.schedule('a.purge', 60_000);
    expect(state.added.at(-1)?.[2]).toMatchObject({ repeat: { every: 60_000 } });
    await expect(tasks.schedule('b.prune')).rejects.toThrow('has no schedule');
  });

  it('keeps retrying while Redis is down at start, and stops at shutdown', async () => {
    jest.useFakeTimers();
    const { queue, state } = fakeQueue([]);
    state.down = true;
    const tasks = new MaintenanceTasks(queue);
    tasks.register('a.purge', noop, { jobId: 'a.purge', everyMs: 3_600_000 });
    tasks.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(2 * SCHEDULE_RETRY_MS);
    expect(state.added).toEqual([]);
    state.down = false;
    await jest.advanceTimersByTimeAsync(SCHEDULE_RETRY_MS);
    expect(state.added).toHaveLength(1);

    state.down = true;
    tasks.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);
    tasks.onApplicationShutdown();
    state.down = false;
    await jest.advanceTimersByTimeAsync(3 * SCHEDULE_RETRY_MS);
    expect(state.added).toHaveLength(1);
  });

  it('refuses a task registered twice', () => {
    const tasks = new MaintenanceTasks(fakeQueue([]).queue);
    tasks.register('a.purge', noop);
    expect(() => tasks.register('a.purge', noop)).toThrow('registered twice');
  });
});
