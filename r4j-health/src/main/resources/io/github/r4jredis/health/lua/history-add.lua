-- Appends a probe result to a service's history, bounded by count and by age, and keeps the
-- history alive while probes write to it (an abandoned service's history expires).
-- KEYS[1] history stream. ARGV[1] max entries, ARGV[2] oldest id to keep (ms), ARGV[3] ttl ms,
-- then the field/value pairs of the result. Returns the new id.
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return id
