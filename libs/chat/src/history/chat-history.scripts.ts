/*
 * Lua scripts of the chat history. Each one touches the two keys of ONE session (same hash tag,
 * same Cluster slot), passed as KEYS so ioredis applies REDIS_KEY_PREFIX to them; a script never
 * builds key names itself. Scripts run atomically: no reader sees a half-written session.
 */

/**
 * Appends messages to an existing session. KEYS: meta, messages. ARGV: ttlMs, maxMessages,
 * lastActivityAt (ISO), element... Returns the new message count, or -1 when the session is gone
 * (deleted or expired meanwhile: nothing is written, so a late answer never resurrects it).
 */
export const APPEND_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('RPUSH', KEYS[2], unpack(ARGV, 4))
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
local count = redis.call('LLEN', KEYS[2])
redis.call('HSET', KEYS[1], 'lastActivityAt', ARGV[3], 'messageCount', count)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return count
`;

/**
 * Renames an existing session and slides its TTL. KEYS: meta, messages. ARGV: ttlMs,
 * lastActivityAt (ISO), sealed title. Returns 1, or 0 when the session is gone.
 */
export const RENAME_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'title', ARGV[3], 'lastActivityAt', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
`;

/**
 * One page of messages, with the session's owner so the caller is checked on the same round trip.
 * KEYS: meta, messages (one hash tag). ARGV: before (a message id, or '' for the newest page),
 * limit. Returns {owner} alone when the session does not exist (owner false) or `before` is not
 * in the list, else {owner, start, {element...}} where the elements are the `limit` messages just
 * older than `before` (oldest first) and `start` their index in the list (0 = nothing older).
 * Only the ids (plaintext prefixes) are compared: nothing is decrypted here and only the page
 * travels back; the caller opens it only once the owner is the caller.
 */
export const PAGE_SCRIPT = `
local owner = false
if redis.call('HEXISTS', KEYS[1], 'id') == 1 then
  owner = redis.call('HGET', KEYS[1], 'userId')
end
if not owner then return {false} end
local limit = tonumber(ARGV[2])
local stop
if ARGV[1] == '' then
  stop = redis.call('LLEN', KEYS[2]) - 1
else
  local prefix = ARGV[1] .. '|'
  local plen = string.len(prefix)
  local hi = redis.call('LLEN', KEYS[2]) - 1
  while hi >= 0 and stop == nil do
    local lo = math.max(0, hi - 99)
    local batch = redis.call('LRANGE', KEYS[2], lo, hi)
    for j = #batch, 1, -1 do
      if string.sub(batch[j], 1, plen) == prefix then
        stop = lo + j - 2
        break
      end
    end
    hi = lo - 1
  end
  if stop == nil then return {owner} end
end
if stop < 0 then return {owner, 0, {}} end
local start = math.max(0, stop - limit + 1)
return {owner, start, redis.call('LRANGE', KEYS[2], start, stop)}
`;
