-- Adds an operation to the queue (ARGV[2] = 'queue') or to manual review (ARGV[2] = 'review')
-- unless its idempotency key is queued, under review, or was done within the retention.
-- KEYS: see RedisRetryQueue. ARGV[1] idempotency key, ARGV[2] target, ARGV[3] now ms, then the
-- field/value pairs of the entry. Returns {'QUEUED', id} or {'DUPLICATE', 'queued'|'review'|'done'}.
local key = ARGV[1]
if redis.call('ZSCORE', KEYS[3], key) then return {'DUPLICATE', 'done'} end
if redis.call('ZSCORE', KEYS[2], key) then return {'DUPLICATE', 'queued'} end
if redis.call('ZSCORE', KEYS[7], key) then return {'DUPLICATE', 'review'} end
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
local id
if ARGV[2] == 'review' then
  redis.call('ZADD', KEYS[7], ARGV[3], key)
  id = redis.call('XADD', KEYS[6], '*', unpack(fields))
else
  redis.call('ZADD', KEYS[2], ARGV[3], key)
  id = redis.call('XADD', KEYS[1], '*', unpack(fields))
end
return {'QUEUED', id}
