-- Appends an entry to a stream kept bounded by count and by age (probe history, state
-- snapshots), and keeps the stream alive while it is written to (an abandoned one expires).
-- KEYS[1] the stream. ARGV[1] max entries, ARGV[2] oldest id to keep (ms-seq), ARGV[3] ttl ms,
-- then the field/value pairs of the entry. Returns the new id.
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return id
