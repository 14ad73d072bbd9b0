-- Adds an operation to the queue (ARGV[2] = 'queue') or to manual review (ARGV[2] = 'review')
-- unless its idempotency key is queued, under review, or was done within the retention.
-- KEYS: see QueueStore. ARGV[1] idempotency key, ARGV[2] target, ARGV[3] now ms ('': Redis TIME), then
-- the field/value pairs of the entry; its enqueuedAt is set to now. Returns {'QUEUED', id, now} or
-- {'DUPLICATE', 'queued'|'review'|'done'}.
local key = ARGV[1]
if redis.call('ZSCORE', KEYS[3], key) then return {'DUPLICATE', 'done'} end
if redis.call('ZSCORE', KEYS[2], key) then return {'DUPLICATE', 'queued'} end
if redis.call('ZSCORE', KEYS[7], key) then return {'DUPLICATE', 'review'} end
local now = now_ms(ARGV[3])
local fields = {}
for i = 4, #ARGV, 2 do
  fields[#fields + 1] = ARGV[i]
  fields[#fields + 1] = ARGV[i] == 'enqueuedAt' and tostring(now) or ARGV[i + 1]
end
local id
if ARGV[2] == 'review' then
  redis.call('ZADD', KEYS[7], now, key)
  id = redis.call('XADD', KEYS[6], '*', unpack(fields))
else
  redis.call('ZADD', KEYS[2], now, key)
  id = redis.call('XADD', KEYS[1], '*', unpack(fields))
end
return {'QUEUED', id, tostring(now)}
