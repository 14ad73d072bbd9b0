-- The naive shared breaker's permission check, one round trip per call, in the manner of
-- pybreaker and Stoplight: read the state from Redis before every call. After the wait in OPEN
-- every caller is let through (no single probe).
-- KEYS[1] breaker hash. Returns 1 (call) or 0 (reject).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'OPEN' then
  local untilMs = tonumber(redis.call('HGET', KEYS[1], 'until')) or 0
  if now < untilMs then return 0 end
  redis.call('HSET', KEYS[1], 'state', 'HALF_OPEN')
end
return 1
