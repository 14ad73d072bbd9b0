-- Adds one node's counts to a service's fleet-wide totals. Before the first flush of a minute
-- (and of an hour), the totals as they were are copied to that minute's (hour's) checkpoint, so
-- that the figures of any window are the totals minus the checkpoint at its start.
-- KEYS[1] totals hash, KEYS[2] this minute's checkpoint, KEYS[3] this hour's checkpoint,
-- KEYS[4] transitions sorted set, KEYS[5] when the fleet first counted the service (kept as long
-- as its totals: a service seen 10 s ago has not been CLOSED for the last hour).
-- ARGV[1] minute checkpoint ttl ms, ARGV[2] hour checkpoint ttl ms, ARGV[3] totals ttl ms,
-- ARGV[4] oldest transition score to keep, ARGV[5] number of field/delta pairs, ARGV[6] now ms,
-- then the pairs, then score/member pairs of transitions (added only when new: nodes report the
-- same ones).
-- Returns the number of fields repaired: a total that is not an integer (tampered, or written by
-- something else) is replaced by this flush's count instead of failing every flush after it.
local function checkpoint(key, ttl)
  if redis.call('EXISTS', key) == 0 then
    local totals = redis.call('HGETALL', KEYS[1])
    if #totals == 0 then
      redis.call('HSET', key, '_', '0')
    else
      redis.call('HSET', key, unpack(totals))
    end
    redis.call('PEXPIRE', key, ttl)
  end
end
checkpoint(KEYS[2], ARGV[1])
checkpoint(KEYS[3], ARGV[2])
local pairs = tonumber(ARGV[5])
local repaired = 0
for i = 0, pairs - 1 do
  local reply = redis.pcall('HINCRBY', KEYS[1], ARGV[7 + 2 * i], ARGV[8 + 2 * i])
  if type(reply) == 'table' and reply.err then
    redis.call('HSET', KEYS[1], ARGV[7 + 2 * i], ARGV[8 + 2 * i])
    repaired = repaired + 1
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('SET', KEYS[5], ARGV[6], 'NX')
redis.call('PEXPIRE', KEYS[5], ARGV[3])
for i = 7 + 2 * pairs, #ARGV, 2 do
  redis.call('ZADD', KEYS[4], 'NX', ARGV[i], ARGV[i + 1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[4])
return repaired
