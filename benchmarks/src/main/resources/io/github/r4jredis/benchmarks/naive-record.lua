-- The naive shared breaker records one outcome: counts in a tumbling window of ARGV[4] seconds,
-- or of ARGV[6] calls when ARGV[4] is 0; Resilience4j's rule (rate once ARGV[2] calls, open at
-- ARGV[1] percent) and a wait of ARGV[3] ms. KEYS[1] breaker hash; ARGV[5] '1' for a failure.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local failure = ARGV[5] == '1'
local state = redis.call('HGET', KEYS[1], 'state') or 'CLOSED'
if state == 'HALF_OPEN' then
  if failure then
    redis.call('HSET', KEYS[1], 'state', 'OPEN', 'until', now + tonumber(ARGV[3]))
  else
    redis.call('HSET', KEYS[1], 'state', 'CLOSED', 'calls', 0, 'failures', 0)
  end
  return state
end
if state == 'OPEN' then return state end
if tonumber(ARGV[4]) > 0 then
  local bucket = math.floor(now / (tonumber(ARGV[4]) * 1000))
  if tonumber(redis.call('HGET', KEYS[1], 'bucket')) ~= bucket then
    redis.call('HSET', KEYS[1], 'bucket', bucket, 'calls', 0, 'failures', 0)
  end
elseif (tonumber(redis.call('HGET', KEYS[1], 'calls')) or 0) >= tonumber(ARGV[6]) then
  redis.call('HSET', KEYS[1], 'calls', 0, 'failures', 0)
end
local calls = redis.call('HINCRBY', KEYS[1], 'calls', 1)
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures')) or 0
if failure then failures = redis.call('HINCRBY', KEYS[1], 'failures', 1) end
if calls >= tonumber(ARGV[2]) and failures * 100 >= tonumber(ARGV[1]) * calls then
  redis.call('HSET', KEYS[1], 'state', 'OPEN', 'until', now + tonumber(ARGV[3]))
  return 'OPEN'
end
return 'CLOSED'
