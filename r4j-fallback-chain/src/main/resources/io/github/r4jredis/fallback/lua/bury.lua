-- An operation leaves the queue for the dead letters (ARGV[3] = 'dead': retries exhausted,
-- poison, no handler) or for manual review (ARGV[3] = 'review'). A dead letter's key is
-- forgotten, so the operation may be queued again; a reviewed key keeps duplicates out until
-- it is resolved. Does nothing when the entry is no longer pending (re-sent after a timeout,
-- or another node finished it). Returns the new entry id, or ''.
-- ARGV[1] group, ARGV[2] entry id, ARGV[3] target, ARGV[4] idempotency key, ARGV[5] now ms ('':
-- Redis TIME), then the field/value pairs of the new entry.
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return '' end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[4])
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
if ARGV[3] == 'review' then
  redis.call('ZADD', KEYS[7], now_ms(ARGV[5]), ARGV[4])
  return redis.call('XADD', KEYS[6], '*', unpack(fields))
end
return redis.call('XADD', KEYS[5], '*', unpack(fields))
