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
export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One throttler's hit for one bucket, as the guard would count it; sent with the caller-state
 * read when authentication can work out the bucket (see DocentThrottlerGuard.prefetch), its
 * record filled in when Redis answers.
 */
export interface ThrottleCall {
  key: string;
  name: string;
  ttl: number;
  limit: number;
  blockDuration: number;
  record?: ThrottlerStorageRecord;
}

/** Registers the script on `redis` (idempotent); its name is then a command of the client. */
export function defineThrottleCommand(redis: RedisClient): typeof COMMAND {
  if (!(COMMAND in redis)) {
    redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: SCRIPT });
  }
  return COMMAND;
}

/** The script's KEYS and ARGV for one call. */
export function throttleArguments(call: ThrottleCall): [string, string, number, number, number] {
  const tag = `{${call.key}:${call.name}}`;
  return [`${tag}:hits`, `${tag}:blocked`, call.ttl, call.limit, call.blockDuration];
}

/** The script's reply as the throttler's record. */
export function throttleRecord(reply: unknown): ThrottlerStorageRecord {
  const [hits, ttlMs, blockedMs] = parseReply(reply);
  return {
    totalHits: hits,
    timeToExpire: Math.ceil(ttlMs / 1000),
    isBlocked: blockedMs > 0,
    timeToBlockExpire: Math.ceil(blockedMs / 1000),
  };
}

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
    const bound = (redis as unknown as Record<string, ThrottleCommand>)[
      defineThrottleCommand(redis)
    ];
    this.command = bound.bind(redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const reply = await this.command(
      ...throttleArguments({ key, name: throttlerName, ttl, limit, blockDuration }),
    );
    return throttleRecord(reply);
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
