-- Everything about the trial episode of HALF_OPEN. Only the lease holder runs trial calls:
-- exactly permittedNumberOfCallsInHalfOpenState for the fleet per episode.
--
-- want    'start'   the node holding the reservation of an OPEN breaker begins its episode
--                   (its own state machine decided, on its own clock, that the wait is over)
--         'lease'   a node without the reservation asks for the lease: granted when the
--                   deadline has passed and the reservation is free or lapsed
--         'advance' automatic transition: OPEN past its deadline and unreserved goes HALF_OPEN
--                   without a lease
--         'release' the reservation holder gives it up (it has no calls to make)
--         'expire'  ends a HALF_OPEN episode whose maxWaitDurationInHalfOpenState has passed
-- expect  for 'start' and 'release': the version of the OPEN state the reservation belongs to
local ARGS = {'clock', 'channel', 'name', 'node', 'est_hi', 'co_fix', 'want', 'expect'}
local A = named(ARGS)
local now = now_ms(A)
local st, why = load()
now = fleet_now(A, st, now)
if st == nil then return missing_reply(now, why) end
local node = A.node
local want = A.want
local expect = tonumber(A.expect) or -1
local status = 'DENIED'
if st.s == 'HALF_OPEN' and st.hu > 0 and now >= st.hu then
  expire_half_open(A, st, now)
  if want == 'expire' then status = 'APPLIED' end
end
if want == 'start' then
  -- The reservation stays the holder's until another node takes it over (after it lapsed).
  if st.s == 'OPEN' and st.lh == node and continues(st, expect) then
    transition(A, st, 'HALF_OPEN', now, {holder = node})
    status = 'GRANTED'
  elseif st.s == 'HALF_OPEN' and st.lh == node and st.v == expect + 1 then
    renew(A, st, now) -- the same start, sent again after a lost reply
    status = 'GRANTED'
  elseif st.s == 'HALF_OPEN' and st.lh == node and st.v == expect then
    -- The holder lost track of its episode (it decided alone meanwhile): a new episode with
    -- fresh trial calls, so that the old one's are not granted twice.
    transition(A, st, 'HALF_OPEN', now, {holder = node})
    status = 'GRANTED'
  end
elseif want == 'lease' then
  if st.s == 'OPEN' and now >= st.ou and (st.lh == '' or st.lh == node or st.lu <= now) then
    transition(A, st, 'HALF_OPEN', now, {holder = node})
    status = 'GRANTED'
  elseif st.s == 'HALF_OPEN' and st.lh == node then
    renew(A, st, now)
    status = 'GRANTED'
  elseif st.s == 'HALF_OPEN' and (st.lh == '' or st.lu <= now) then
    -- Unleased (automatic transition, operator) or the holder went silent: a new episode, so
    -- that a late verdict of the old holder is refused.
    transition(A, st, 'HALF_OPEN', now, {holder = node})
    status = 'GRANTED'
  end
elseif want == 'advance' then
  if st.s == 'OPEN' and now >= st.ou and (st.lh == '' or st.lu <= now) then
    transition(A, st, 'HALF_OPEN', now)
    status = 'APPLIED'
  end
elseif want == 'release' then
  if st.s == 'OPEN' and st.lh == node and continues(st, expect) then
    set(st, 'v', st.v + 1)
    set(st, 'lh', '')
    set(st, 'lu', 0)
    set(st, 'by', node)
    save(st)
    publish(A, st)
    status = 'APPLIED'
  end
end
save(st)
return reply(status, st, now, '')
