-- Stores the fleet's last good value of a key unless Redis holds a newer one: two nodes that
-- read at different times may write in either order, and the older value must not win.
-- KEYS[1] the cache key. ARGV[1] stored-at ms, ARGV[2] encoded value, ARGV[3] time to live ms.
local current = redis.call('GET', KEYS[1])
if current then
  local storedAt = tonumber(string.match(current, '^(%d+)|'))
  if storedAt and storedAt >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
return 1
