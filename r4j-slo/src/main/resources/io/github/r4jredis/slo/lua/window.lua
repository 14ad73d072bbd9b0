-- The counts of a service within a window: its totals minus the first checkpoint at or after the
-- window's start (the checkpoint of a minute without a flush is missing, and then the next one
-- holds the same totals). No checkpoint at all: nothing was flushed in the window.
-- KEYS[1] totals hash, KEYS[2..] candidate checkpoints from the window's start on.
-- Returns field/count pairs, only counts above zero. A value that is not a number counts as 0.
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    local base = {}
    local cp = redis.call('HGETALL', KEYS[i])
    for j = 1, #cp, 2 do base[cp[j]] = tonumber(cp[j + 1]) or 0 end
    local totals = redis.call('HGETALL', KEYS[1])
    local out = {}
    for j = 1, #totals, 2 do
      local delta = (tonumber(totals[j + 1]) or 0) - (base[totals[j]] or 0)
      if delta > 0 then
        out[#out + 1] = totals[j]
        out[#out + 1] = tostring(delta)
      end
    end
    return out
  end
end
return {}
