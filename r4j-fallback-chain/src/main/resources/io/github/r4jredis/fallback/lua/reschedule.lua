-- An operation failed and is tried again later, or the breaker said not now: it waits in the
-- delayed set until due. Does nothing when the entry is no longer pending (another node took it
-- over and finished it), so a slow node never puts a second copy back.
-- ARGV[1] group, ARGV[2] entry id, ARGV[3] now ms ('': Redis TIME), ARGV[4] delay ms, ARGV[5] the
-- entry as a JSON object. Due at now + delay.
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[4], now_ms(ARGV[3]) + tonumber(ARGV[4]), ARGV[5])
return 1
