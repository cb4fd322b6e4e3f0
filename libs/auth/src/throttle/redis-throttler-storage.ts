import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RedisClient } from '@docent/redis';

/**
 * One fixed window per throttler and key, with a block once the limit is passed, in one atomic
 * script: INCR the hit counter (starting its window on the first hit), then either report the
 * running block or start one when the count exceeds the limit; a block that has run out resets
 * the window. Both keys share a hash tag, so the script runs on one Redis Cluster slot.
 *
 * The script is registered with `defineCommand`: ioredis sends EVALSHA (40 bytes) and falls back
 * to EVAL only when the server has not seen the script yet (after a restart or failover).
 */
const SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
local blocked = redis.call('PTTL', KEYS[2])
if blocked <= 0 and hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], 1, 'PX', ARGV[3])
  blocked = tonumber(ARGV[3])
end
return { hits, ttl, blocked }
`;

const COMMAND = 'docentThrottle';

/** What the throttler expects back (its record type is not exported from the package root). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

type ThrottleCommand = (
  hitKey: string,
  blockKey: string,
  ttlMs: number,
  limit: number,
  blockMs: number,
) => Promise<unknown>;

/** Redis storage for @nestjs/throttler, counted once for every api instance. */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly command: ThrottleCommand;

  constructor(redis: RedisClient) {
    if (!(COMMAND in redis)) {
      redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: SCRIPT });
    }
    const bound = (redis as unknown as Record<string, ThrottleCommand>)[COMMAND];
    this.command = bound.bind(redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const tag = `{${key}:${throttlerName}}`;
    const reply = await this.command(`${tag}:hits`, `${tag}:blocked`, ttl, limit, blockDuration);
    const [hits, ttlMs, blockedMs] = parseReply(reply);
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(ttlMs / 1000),
      isBlocked: blockedMs > 0,
      timeToBlockExpire: Math.ceil(blockedMs / 1000),
    };
  }
}

function parseReply(reply: unknown): [number, number, number] {
  if (
    Array.isArray(reply) &&
    reply.length === 3 &&
    reply.every((value) => typeof value === 'number')
  ) {
    return reply as [number, number, number];
  }
  throw new TypeError(`unexpected throttle script reply: ${JSON.stringify(reply)}`);
}
