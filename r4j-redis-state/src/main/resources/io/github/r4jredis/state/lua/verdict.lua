-- The probe lease holder reports how its trial calls went: CLOSED (recovered) or OPEN (still
-- failing). Refused (STALE) unless the caller still holds the lease of that exact episode.
--
-- ARGV[5]  version of the HALF_OPEN episode, ARGV[6] 'CLOSED' or 'OPEN'
local now = now_ms()
local st, why = load()
if st == nil then return missing_reply('MISSING', now, why) end
if st.s ~= 'HALF_OPEN' or st.v ~= tonumber(ARGV[5]) or st.lh ~= ARGV[4] then
  return reply('STALE', st, now, '')
end
if ARGV[6] == 'CLOSED' then
  transition(st, 'CLOSED', now)
elseif ARGV[6] == 'OPEN' then
  transition(st, 'OPEN', now, {attempts = st.a + 1})
else
  return reply('STALE', st, now, '')
end
return reply('APPLIED', st, now, '')
