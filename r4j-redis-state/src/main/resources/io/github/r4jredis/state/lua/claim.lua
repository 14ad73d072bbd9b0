-- Moves an OPEN breaker whose wait has passed to HALF_OPEN, and hands the probe lease to the
-- calling node when it asks for it and nobody holds it (or the holder let it expire). Only the
-- lease holder runs trial calls: exactly permittedNumberOfCallsInHalfOpenState for the fleet.
--
-- ARGV[5]  '1' to ask for the lease, '0' only to move OPEN to HALF_OPEN (automatic transition)
local now = now_ms()
local st, why = load()
if st == nil then return missing_reply('MISSING', now, why) end
local node = ARGV[4]
local wants_lease = ARGV[5] == '1'
local status = 'DENIED'
if st.s == 'OPEN' and now >= st.ou then
  if wants_lease then
    transition(st, 'HALF_OPEN', now, {lease = node})
    status = 'GRANTED'
  else
    transition(st, 'HALF_OPEN', now)
  end
elseif st.s == 'HALF_OPEN' then
  if st.hu > 0 and now >= st.hu then
    expire_half_open(st, now)
  elseif wants_lease then
    if st.lh == node then
      set(st, 'lu', now + st.cl)
      status = 'GRANTED'
    elseif st.lh == '' or st.lu <= now then
      -- Unleased (automatic transition) or the holder died: a new episode, so that a late
      -- verdict of the old holder is refused.
      transition(st, 'HALF_OPEN', now, {lease = node})
      status = 'GRANTED'
    end
  end
end
save(st)
return reply(status, st, now, '')
