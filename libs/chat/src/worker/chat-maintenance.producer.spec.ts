import type { Queue } from 'bull';
import { JOBS } from '@docent/queue';
import { CHAT_PRUNE_EVERY_MS, ChatMaintenanceProducer } from './chat-maintenance.producer';

function fakeQueue(repeatables: { name: string; key: string; every: string | null }[]) {
  const added: unknown[][] = [];
  const removed: string[] = [];
  const queue = {
    getRepeatableJobs: jest.fn(async () => repeatables),
    removeRepeatableByKey: jest.fn(async (key: string) => {
      removed.push(key);
    }),
    add: jest.fn(async (...args: unknown[]) => {
      added.push(args);
      return {};
    }),
  };
  return { queue: queue as unknown as Queue, added, removed };
}

describe('ChatMaintenanceProducer', () => {
  it('schedules the repeatable prune job with a fixed job id (idempotent across replicas)', async () => {
    const { queue, added, removed } = fakeQueue([]);
    await new ChatMaintenanceProducer(queue).schedulePruning();
    expect(removed).toEqual([]);
    expect(added).toEqual([
      [
        JOBS.maintenance.chatPruneIndex,
        { task: JOBS.maintenance.chatPruneIndex },
        expect.objectContaining({
          jobId: 'chat-prune-index',
          repeat: { every: CHAT_PRUNE_EVERY_MS },
        }),
      ],
    ]);
  });

  it('removes a schedule left by another interval, and nothing else', async () => {
    const { queue, removed } = fakeQueue([
      { name: JOBS.maintenance.chatPruneIndex, key: 'old', every: '60000' },
      { name: JOBS.maintenance.chatPruneIndex, key: 'same', every: String(CHAT_PRUNE_EVERY_MS) },
      { name: JOBS.maintenance.notificationsPurge, key: 'theirs', every: '60000' },
    ]);
    await new ChatMaintenanceProducer(queue).schedulePruning();
    expect(removed).toEqual(['old']);
  });

  it('does not stop the worker from starting when Redis is down', async () => {
    const { queue } = fakeQueue([]);
    (queue.getRepeatableJobs as jest.Mock).mockRejectedValue(new Error('ECONNREFUSED'));
    await expect(
      new ChatMaintenanceProducer(queue).onApplicationBootstrap(),
    ).resolves.toBeUndefined();
  });
});
