-- How full the queue is, in one round trip: {ready, delayed, dead, review, oldest enqueue ms or -1,
-- now ms}. ARGV[1] now ms ('': Redis TIME). The queued-keys set is scored by first enqueue time, so
-- its head is the oldest operation; its age is now minus that, on the clock that stamped it.
local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
return {redis.call('XLEN', KEYS[1]), redis.call('ZCARD', KEYS[4]), redis.call('XLEN', KEYS[5]),
  redis.call('XLEN', KEYS[6]), oldest[2] and tonumber(oldest[2]) or -1, now_ms(ARGV[1])}
