-- The lease holder reports how its trial calls went: CLOSED (recovered) or OPEN (still failing;
-- it keeps the reservation of the next episode). Refused (STALE) unless the caller still holds
-- the lease of that exact episode.
--
-- episode  version of the HALF_OPEN episode
-- verdict  'CLOSED' or 'OPEN'
local ARGS = {'clock', 'channel', 'name', 'node', 'est_hi', 'co_fix', 'episode', 'verdict'}
local A = named(ARGS)
local now = now_ms(A)
local st, why = load()
now = fleet_now(A, st, now)
if st == nil then return missing_reply(now, why) end
if st.s ~= 'HALF_OPEN' or not continues(st, tonumber(A.episode)) or st.lh ~= A.node then
  return reply('STALE', st, now, '')
end
if A.verdict == 'CLOSED' then
  transition(A, st, 'CLOSED', now)
elseif A.verdict == 'OPEN' then
  transition(A, st, 'OPEN', now, {attempts = st.a + 1, holder = A.node})
else
  return reply('STALE', st, now, '')
end
return reply('APPLIED', st, now, '')
