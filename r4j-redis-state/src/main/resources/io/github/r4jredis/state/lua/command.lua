-- A manual operation, for the whole fleet: transitionTo...State(), transitionToOpenStateFor(),
-- reset(); also the OPEN a node's transitionOnResult asked for. Applies Resilience4j's table of
-- legal transitions and its attempt counting.
--
-- op              CLOSED | OPEN | OPEN_FOR | HALF_OPEN | DISABLED | METRICS_ONLY | FORCED_OPEN | RESET
-- wait            wait in ms for OPEN_FOR
-- seed_mode       '1' when a seed follows (creates a missing breaker; RESET also takes its config)
-- cmd_seq         the node's sequence number of this command: a command sent again after a lost
--                 reply is applied once (0: no de-duplication, operators' commands)
-- expect_state,   when set, the command applies only to that state at that version (STALE
-- expect_version  otherwise): the OPEN of transitionOnResult must not override a newer state
-- reserve         '1': the caller takes the trial lease (HALF_OPEN) or the reservation of the
--                 next episode (OPEN), as a breaker moved by hand on one node would run its trials
local ARGS = {'clock', 'channel', 'name', 'node', 'est_hi', 'co_fix', 'op', 'wait', 'seed_mode',
  'seed_type', 'seed_size', 'seed_min', 'seed_frate', 'seed_srate', 'seed_trials', 'seed_maxwait',
  'seed_after', 'seed_quorum', 'seed_lease', 'seed_waits', 'seed_fp', 'seed_state', 'seed_version',
  'seed_remaining', 'seed_attempts', 'seed_holder', 'cmd_seq', 'expect_state', 'expect_version',
  'reserve'}
local A = named(ARGS)
local now = now_ms(A)
local op = A.op
local st, why = load()
now = fleet_now(A, st, now)
local flags = ''
if st == nil then
  if A.seed_mode ~= '1' then return missing_reply(now, why) end
  st = seed(A, now)
  if st == nil then return missing_reply(now, 'bad seed') end
  flags = 'C'
end
local cmd_seq = tonumber(A.cmd_seq) or 0
if cmd_seq > 0 then
  local field = A.node .. '#c'
  local last = tonumber(string.match(redis.call('HGET', K[2], field) or '', '^(%d+)')) or 0
  if cmd_seq <= last then return reply('DUP', st, now, flags) end
  redis.call('HSET', K[2], field, fmt(cmd_seq) .. ' ' .. fmt(now))
  redis.call('PEXPIRE', K[2], NODE_TTL_MS)
end
keep_keys(st) -- an operator's or a node's command keeps the breaker as a flush does
if A.expect_state ~= '' and (st.s ~= A.expect_state or st.v ~= tonumber(A.expect_version)) then
  return reply('STALE', st, now, flags)
end
if op == 'RESET' and A.seed_mode == '1' then
  clear_window(st) -- under the old window type and size, before the config changes
  save(st)
  local names = {ct = 'seed_type', cs = 'seed_size', cm = 'seed_min', cfr = 'seed_frate',
    csr = 'seed_srate', chk = 'seed_trials', cmw = 'seed_maxwait', cmwto = 'seed_after',
    cq = 'seed_quorum', cl = 'seed_lease', cw = 'seed_waits', cfp = 'seed_fp'}
  for f, arg in pairs(names) do
    local val = A[arg]
    if NUMERIC[f] then val = tonumber(val) end
    if val == nil or val == '' then return reply('ILLEGAL', st, now, flags) end
    set(st, f, val)
  end
  save(st)
  st = load()
  if st == nil then return missing_reply(now, 'bad reset config') end
end
if op == 'RESET' then
  transition(A, st, 'CLOSED', now, {reason = 'reset'})
  return reply('APPLIED', st, now, flags)
end
local to = op
if op == 'OPEN_FOR' then to = 'OPEN' end
if not STATES[to] or not LEGAL[st.s][to] then return reply('ILLEGAL', st, now, flags) end
local holder = nil
if A.reserve == '1' and (to == 'OPEN' or to == 'HALF_OPEN') then holder = A.node end
if op == 'OPEN' or op == 'FORCED_OPEN' then
  transition(A, st, to, now, {attempts = st.a + 1, holder = holder})
elseif op == 'OPEN_FOR' then
  transition(A, st, 'OPEN', now, {wait = math.max(0, tonumber(A.wait) or 0), holder = holder})
else
  transition(A, st, to, now, {holder = holder})
end
return reply('APPLIED', st, now, flags)
