-- An operation succeeded (or was found done already): its key counts as done for the retention
-- and it leaves the queue. Atomic, so a crash leaves either a pending entry (claimed again
-- later) or a finished one; re-sent after a timeout it changes nothing more.
-- ARGV[1] group, ARGV[2] entry id, ARGV[3] idempotency key, ARGV[4] now ms ('': Redis TIME),
-- ARGV[5] retention ms
local now = now_ms(ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], now, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (now - tonumber(ARGV[5])))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
