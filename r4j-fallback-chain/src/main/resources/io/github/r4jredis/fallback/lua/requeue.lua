-- Puts a review item back on the queue for a fresh round of attempts.
-- ARGV[1] review entry id, ARGV[2] idempotency key, ARGV[3] first enqueue ms, then the field/value
-- pairs of the queue entry. Returns the new id, or '' when the item was not under review.
if redis.call('XDEL', KEYS[6], ARGV[1]) == 0 then return '' end
redis.call('ZREM', KEYS[7], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
return redis.call('XADD', KEYS[1], '*', unpack(fields))
