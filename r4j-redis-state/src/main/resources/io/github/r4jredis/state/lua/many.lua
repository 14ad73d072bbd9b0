-- Ends every script (after common.lua and the entry script, wrapped as entry()). A call whose
-- first argument is '*' carries the calls of many breakers, of one hash slot:
--   ARGV  '*', <n>, then for each breaker: <number of its arguments>, its arguments
--   KEYS  the keys of each breaker in turn, the same number for each
-- and answers one reply per breaker, in order: Redis runs one script call instead of n (one
-- EVALSHA, one TIME). A breaker whose call fails (a command refused, a key of the wrong type)
-- answers {'ERROR', <the error>} and the others go on, as separate calls would.
-- A breaker's call that failed on a key of the wrong type: the keys repaired, CORRUPT (the
-- node re-seeds); any other failure stays the error it was.
local function failed(err)
  if string.find(tostring(err), 'WRONGTYPE', 1, true) and repair_types() then
    return missing_reply(now_ms({clock = ARG[1]}), 'corrupt key type')
  end
  return nil
end
if ARGV[1] ~= '*' then
  local ok, result = pcall(entry)
  if ok then return result end
  local repaired = failed(type(result) == 'table' and result.err or result)
  if repaired then return repaired end
  error(result, 0)
end
local n = tonumber(ARGV[2]) or 0
if n < 1 or #KEYS % n ~= 0 then return redis.error_reply('ERR bad call of many breakers') end
local per = #KEYS / n
local out = {}
local pos = 3
for b = 1, n do
  local count = tonumber(ARGV[pos])
  if count == nil or pos + count > #ARGV then
    return redis.error_reply('ERR bad call of many breakers at ' .. b)
  end
  K = {}
  for i = 1, per do K[i] = KEYS[(b - 1) * per + i] end
  ARG = {}
  for i = 1, count do ARG[i] = ARGV[pos + i] end
  pos = pos + 1 + count
  local ok, result = pcall(entry)
  if ok then
    out[b] = result
  else
    if type(result) == 'table' then
      result = result.err -- Redis 7: the error reply itself, its code first
    else
      -- Redis 6: "@user_script:<line>: -OOM ...": the code first too, as the node looks for it
      result = string.gsub(tostring(result), '^@?[%w_]+:%s*%d+:%s*%-?', '')
    end
    out[b] = failed(result) or {'ERROR', tostring(result)}
  end
end
return out
