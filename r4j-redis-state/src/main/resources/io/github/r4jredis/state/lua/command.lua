-- A manual operation, for the whole fleet: transitionTo...State(), transitionToOpenStateFor(),
-- reset(). Applies Resilience4j's table of legal transitions and its attempt counting.
--
-- ARGV[5]  CLOSED | OPEN | OPEN_FOR | HALF_OPEN | DISABLED | METRICS_ONLY | FORCED_OPEN | RESET
-- ARGV[6]  wait in ms for OPEN_FOR
-- ARGV[7]  '1' when a seed follows (creates a missing breaker; RESET also takes its config)
-- ARGV[8..23] seed
local now = now_ms()
local op = ARGV[5]
local st, why = load()
if st == nil then
  if ARGV[7] ~= '1' then return missing_reply('MISSING', now, why) end
  st = seed(8, now)
  if st == nil then return missing_reply('MISSING', now, 'bad seed') end
end
if op == 'RESET' and ARGV[7] == '1' then
  clear_window(st) -- under the old window type and size, before the config changes
  save(st)
  local names = {'ct', 'cs', 'cm', 'cfr', 'csr', 'chk', 'cmw', 'cmwto', 'cq', 'cl', 'cw', 'cfp'}
  for i, f in ipairs(names) do
    local val = ARGV[7 + i]
    if NUMERIC[f] then val = tonumber(val) end
    if val == nil then return reply('ILLEGAL', st, now, '') end
    set(st, f, val)
  end
  save(st)
  st = load()
  if st == nil then return missing_reply('MISSING', now, 'bad reset config') end
end
if op == 'RESET' then
  transition(st, 'CLOSED', now, {reason = 'reset'})
  return reply('APPLIED', st, now, '')
end
local to = op
if op == 'OPEN_FOR' then to = 'OPEN' end
if not STATES[to] then return reply('ILLEGAL', st, now, '') end
if not LEGAL[st.s][to] then return reply('ILLEGAL', st, now, '') end
if op == 'OPEN' or op == 'FORCED_OPEN' then
  transition(st, to, now, {attempts = st.a + 1})
elseif op == 'OPEN_FOR' then
  transition(st, 'OPEN', now, {wait = math.max(0, tonumber(ARGV[6]) or 0)})
else
  transition(st, to, now)
end
return reply('APPLIED', st, now, '')
