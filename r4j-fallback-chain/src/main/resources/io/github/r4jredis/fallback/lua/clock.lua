-- Prepended to every queue script (QueueStore.script). The fleet's clock is Redis TIME: a stamp
-- or a due time one node writes and another reads must not depend on either node's clock. A
-- caller with a clock of its own (tests) sends its time instead; '' means Redis TIME.
local function now_ms(arg)
  if arg ~= nil and arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
