-- Moves delayed operations that are due back onto the stream, earliest first, at most ARGV[2].
-- A member that is not a JSON object of strings goes to the dead letters, raw.
-- ARGV[1] now ms ('': Redis TIME), ARGV[2] limit. Returns the number moved.
local due = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now_ms(ARGV[1]), 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do
  local ok, entry = pcall(cjson.decode, member)
  local fields = {}
  if ok and type(entry) == 'table' then
    for k, v in pairs(entry) do
      if type(k) == 'string' and type(v) == 'string' then
        fields[#fields + 1] = k
        fields[#fields + 1] = v
      end
    end
  end
  if #fields > 0 then
    redis.call('XADD', KEYS[1], '*', unpack(fields))
  else
    redis.call('XADD', KEYS[5], '*', 'reason', 'unreadable delayed entry', 'payload', member)
  end
  redis.call('ZREM', KEYS[4], member)
end
return #due
