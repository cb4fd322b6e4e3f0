import type { AdvancedSettings, Queue } from 'bull';
import { applyIngestionLockSettings } from './ingestion.processor';

describe('applyIngestionLockSettings', () => {
  /** What bull's Queue constructor leaves in `settings` by default (bull 4). */
  const queue = () =>
    ({
      settings: { lockDuration: 30_000, lockRenewTime: 15_000, stalledInterval: 30_000 },
    }) as unknown as Queue & { settings: AdvancedSettings };

  it("sets bull's lock duration, renewal (half) and stalled check interval", () => {
    const q = queue();
    applyIngestionLockSettings(q, 4000);
    expect(q.settings).toEqual({ lockDuration: 4000, lockRenewTime: 2000, stalledInterval: 4000 });
  });

  it("keeps bull's settings without a usable value", () => {
    const q = queue();
    for (const value of [undefined, 0, -1, Number.NaN]) applyIngestionLockSettings(q, value);
    expect(q.settings).toEqual({
      lockDuration: 30_000,
      lockRenewTime: 15_000,
      stalledInterval: 30_000,
    });
  });
});
