-- A person resolved a review item: it leaves the review, its key counts as done (a duplicate is
-- not queued again) and the resolution is kept in an audit stream of about 10,000 entries.
-- ARGV[1] review entry id, ARGV[2] idempotency key, ARGV[3] now ms ('': Redis TIME), then the field/value pairs
-- of the audit entry. Returns 0 when the item was not (or no longer) under review.
if redis.call('XDEL', KEYS[6], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[7], ARGV[2])
redis.call('ZADD', KEYS[3], now_ms(ARGV[3]), ARGV[2])
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('XADD', KEYS[8], 'MAXLEN', '~', 10000, '*', unpack(fields))
return 1
