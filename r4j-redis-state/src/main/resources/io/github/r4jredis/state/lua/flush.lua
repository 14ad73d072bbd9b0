-- Merges one node's outcomes into the shared window, evaluates Resilience4j's rules after each
-- run of outcomes (as Resilience4j does after each call), opens the breaker when they say so,
-- renews the node's trial lease, and returns the shared state.
--
-- seq        flush sequence of this node: a re-sent flush whose sequence was already merged is
--            not merged again (Redisson may re-send a script after a response timeout); 0 for a
--            flush that carries no outcomes
-- renew      version of the HALF_OPEN episode whose lease this node holds and renews, or 0
-- seed_mode  '0' no seed; '1' seed if the breaker is missing; '2' seed also if Redis holds an
--            older version than the seed's
-- epoch      the version the node held when it counted these outcomes: they are merged only into
--            that episode's window (0: the node never heard from Redis; a seed also accepts them)
-- then the blocks, oldest first: "<age>|<calls>,<fail>,<slow>,<slowfail>|<runs>", age in seconds
-- (COUNT_BASED: one block of age 0), the counts of an unordered prefix, then the calls in
-- order as runs "<kind><n>" (s fast success, S slow success, f fast failure, F slow failure).
local ARGS = {'clock', 'channel', 'name', 'node', 'est_hi', 'co_fix', 'seq', 'renew', 'seed_mode',
  'seed_type', 'seed_size', 'seed_min', 'seed_frate', 'seed_srate', 'seed_trials', 'seed_maxwait',
  'seed_after', 'seed_quorum', 'seed_lease', 'seed_waits', 'seed_fp', 'seed_state', 'seed_version',
  'seed_remaining', 'seed_attempts', 'seed_holder', 'epoch'}
local A = named(ARGS)
local now = now_ms(A)
local st, why = load()
now = fleet_now(A, st, now)
local flagset = {}
local order = {}
local function flag(f)
  if not flagset[f] then
    flagset[f] = true
    order[#order + 1] = f
  end
end
if wants_seed(A, st) then
  st = seed(A, now)
  if st == nil then return missing_reply(now, 'bad seed') end
  flag('C')
elseif st == nil then
  return missing_reply(now, why)
end
local seeded = flagset['C'] == true

-- A window whose list or buckets were lost (evicted, deleted) while its totals survived would
-- hold phantom calls for ever: the totals follow the data. A COUNT_BASED list is checked when
-- outcomes are merged into it, by the look at its tail that merging needs anyway, and by a flush
-- without outcomes, at its head.
local function lost_window()
  set(st, 'wc', 0); set(st, 'wf', 0); set(st, 'ws', 0); set(st, 'wsf', 0)
end
if st.wc > 0 and st.ct ~= 'C' and redis.call('EXISTS', K[4]) == 0 then lost_window() end
-- The keys' expiry (STATE_TTL_MS), renewed after the merge: a window whose totals go from
-- zero to calls was (re)created by this flush and gets it at once, a renewal (touch_nodes) covers
-- the keys as they are at the end.
local keys_due, window_created = false, false
local known_tail, tail_known = nil, false
local function check_list()
  known_tail, tail_known = redis.call('LINDEX', K[3], -1), true
  if not known_tail and st.wc > 0 then lost_window() end
end
local function list_tail()
  if tail_known then
    tail_known = false
    return known_tail
  end
  return redis.call('LINDEX', K[3], -1)
end

local function kind_counts(k, n)
  if k == 's' then return n, 0, 0, 0 end
  if k == 'S' then return n, 0, n, 0 end
  if k == 'f' then return n, n, 0, 0 end
  return n, n, n, n
end

-- The blocks, parsed and checked; anything malformed is left out.
local blocks = {}
local bad = false
for i = A.tail, #ARG do
  local age, c, f, s, sf, runs = string.match(ARG[i], '^(%d+)|(%d+),(%d+),(%d+),(%d+)|([sSfF%d]*)$')
  age, c, f, s, sf = tonumber(age), tonumber(c), tonumber(f), tonumber(s), tonumber(sf)
  if age ~= nil and f <= c and s <= c and sf <= math.min(f, s) then
    local block = {age = age, c = c, f = f, s = s, sf = sf, runs = {}}
    if f > 0 or s > 0 then bad = true end
    for k, n in string.gmatch(runs, '([sSfF])(%d+)') do
      n = tonumber(n)
      if n > 0 then
        block.runs[#block.runs + 1] = {k, n}
        if k ~= 's' then bad = true end
      end
    end
    blocks[#blocks + 1] = block
  end
end

local min_calls = st.cm
if st.ct == 'C' then min_calls = math.min(st.cm, st.cs) end
local quorum_counted = false

-- Resilience4j's rule, after each run: rates count once the window holds minimumNumberOfCalls
-- (capped at the size of a COUNT_BASED window); at or above a threshold the breaker opens, if
-- enough distinct nodes reported failures (quorum). In METRICS_ONLY each exceeded rate is
-- reported once per episode.
local function evaluate()
  if st.s ~= 'CLOSED' and st.s ~= 'METRICS_ONLY' then return end
  if st.wc == 0 or st.wc < min_calls then return end
  local f_ex = st.wf * 100.0 / st.wc >= st.cfr
  local s_ex = st.ws * 100.0 / st.wc >= st.csr
  if not f_ex and not s_ex then return end
  if st.s == 'METRICS_ONLY' then
    if f_ex and not string.find(st.mx, 'F', 1, true) then set(st, 'mx', st.mx .. 'F'); flag('F') end
    if s_ex and not string.find(st.mx, 'S', 1, true) then set(st, 'mx', st.mx .. 'S'); flag('S') end
    return
  end
  if st.cq > 1 then
    if not quorum_counted then
      count_nodes(st, now, true)
      quorum_counted = true
    end
    if st.fn < st.cq then
      if f_ex then flag('F') end
      if s_ex then flag('S') end
      flag('Q')
      return
    end
  end
  if f_ex then flag('F') end
  if s_ex then flag('S') end
  flag('O')
  transition(A, st, 'OPEN', now, {attempts = st.a + 1, holder = A.node})
end

local function add_totals(c, f, s, sf)
  if st.wc == 0 and c > 0 then window_created = true end
  set(st, 'wc', st.wc + c); set(st, 'wf', st.wf + f); set(st, 'ws', st.ws + s); set(st, 'wsf', st.wsf + sf)
end

-- COUNT_BASED: evicts the oldest calls beyond the window's size, exactly (a run loses its first
-- calls); an unordered unit keeps its proportions.
local function evict()
  while st.wc > st.cs do
    local head = redis.call('LINDEX', K[3], 0)
    if not head then
      set(st, 'wc', 0); set(st, 'wf', 0); set(st, 'ws', 0); set(st, 'wsf', 0)
      return
    end
    local excess = st.wc - st.cs
    local k, n, ms = string.match(head, '^([sSfF])(%d+) (%d+)$')
    local hc, hf, hs, hsf, hms = string.match(head, '^m(%d+),(%d+),(%d+),(%d+) (%d+)$')
    hc, hf, hs, hsf = tonumber(hc), tonumber(hf), tonumber(hs), tonumber(hsf)
    if (k == nil or tonumber(n) < 1) and (hc == nil or hc < 1 or hf > hc or hs > hc or hsf > math.min(hf, hs)) then
      window_corrupt(st) -- an entry the scripts never write
      return
    end
    if k ~= nil then
      n = tonumber(n)
      local gone = math.min(n, excess)
      local c, f, s, sf = kind_counts(k, gone)
      if gone == n then
        redis.call('LPOP', K[3])
      else
        redis.call('LSET', K[3], 0, k .. fmt(n - gone) .. ' ' .. ms)
      end
      add_totals(-c, -f, -s, -sf)
    else
      if hc <= excess then
        redis.call('LPOP', K[3])
        add_totals(-hc, -hf, -hs, -hsf)
      else
        local keep = hc - excess
        local kf = math.floor(hf * keep / hc + 0.5)
        local ks = math.floor(hs * keep / hc + 0.5)
        local ksf = math.min(math.floor(hsf * keep / hc + 0.5), kf, ks)
        redis.call('LSET', K[3], 0, 'm' .. fmt(keep) .. ',' .. fmt(kf) .. ',' .. fmt(ks) .. ',' .. fmt(ksf) .. ' ' .. hms)
        add_totals(-(hc - keep), -(hf - kf), -(hs - ks), -(hsf - ksf))
      end
    end
    if not totals_consistent(st) then
      window_corrupt(st) -- the entry held calls the totals never counted
      return
    end
  end
end

local function push_run(k, n)
  local tail = list_tail()
  local tk, tn, tms = nil, nil, nil
  if tail then tk, tn, tms = string.match(tail, '^([sSfF])(%d+) (%d+)$') end
  if tk == k and tonumber(tn) == st.wc and st.wc + n > st.cs then
    -- The run is the whole window (a healthy fleet's: all successes), and n more of its kind
    -- evict as many of its own oldest calls beyond the size: the run at full size, which a full
    -- window already is (nothing to write).
    local run = k .. fmt(st.cs) .. ' ' .. tms
    if st.wc ~= st.cs then redis.call('LSET', K[3], -1, run) end
    add_totals(kind_counts(k, st.cs - st.wc))
    known_tail, tail_known = run, true
    return
  elseif tk == k then
    redis.call('LSET', K[3], -1, k .. fmt(tonumber(tn) + n) .. ' ' .. tms)
  else
    redis.call('RPUSH', K[3], k .. fmt(n) .. ' ' .. fmt(now))
  end
  add_totals(kind_counts(k, n))
  evict()
end

local function push_unit(c, f, s, sf)
  tail_known = false
  redis.call('RPUSH', K[3], 'm' .. fmt(c) .. ',' .. fmt(f) .. ',' .. fmt(s) .. ',' .. fmt(sf) .. ' ' .. fmt(now))
  add_totals(c, f, s, sf)
  evict()
end

-- TIME_BASED: drops the seconds that fell out of the window.
local function advance_time(sec)
  if st.wh == 0 then
    set(st, 'wh', sec)
    return
  end
  if sec <= st.wh then return end
  local first = st.wh - st.cs + 1
  local last = math.min(sec - st.cs, st.wh)
  if last >= first then
    if last == st.wh then
      redis.call('DEL', K[4])
      set(st, 'wc', 0); set(st, 'wf', 0); set(st, 'ws', 0); set(st, 'wsf', 0)
    else
      local c, f, s, sf = 0, 0, 0, 0
      local function drop(v)
        local a1, a2, a3, a4 = string.match(v, '^(%d+) (%d+) (%d+) (%d+)$')
        c = c + (tonumber(a1) or 0); f = f + (tonumber(a2) or 0)
        s = s + (tonumber(a3) or 0); sf = sf + (tonumber(a4) or 0)
      end
      -- The seconds that left the window, or the buckets that exist, whichever are fewer: a
      -- window of hours (or a size tampered with) after a long idle gap costs what it holds.
      if last - first + 1 > redis.call('HLEN', K[4]) then
        local entries = redis.call('HGETALL', K[4])
        local gone = {}
        for i = 1, #entries, 2 do
          local b = tonumber(entries[i])
          if b == nil or (b >= first and b <= last) then
            drop(entries[i + 1])
            gone[#gone + 1] = entries[i]
          end
        end
        for i = 1, #gone, SLICE do
          redis.call('HDEL', K[4], unpack(gone, i, math.min(i + SLICE - 1, #gone)))
        end
      else
        for from = first, last, SLICE do
          local fields = {}
          for b = from, math.min(from + SLICE - 1, last) do fields[#fields + 1] = fmt(b) end
          local vals = redis.call('HMGET', K[4], unpack(fields))
          for _, v in ipairs(vals) do
            if v then drop(v) end
          end
          redis.call('HDEL', K[4], unpack(fields))
        end
      end
      set(st, 'wc', st.wc - c); set(st, 'wf', st.wf - f); set(st, 'ws', st.ws - s); set(st, 'wsf', st.wsf - sf)
      if not totals_consistent(st) then
        window_corrupt(st) -- buckets that held calls the totals never counted
      end
    end
  end
  set(st, 'wh', sec)
end

-- Adds n calls (a run of one kind, or an unordered unit) and evaluates the rule where
-- Resilience4j could first have opened inside them: where the window reaches
-- minimumNumberOfCalls, and after the last of them (within a run, rates move one way only).
local function add(put, n, counts)
  if st.wc < min_calls and st.wc + n > min_calls and counts == nil then
    local first = min_calls - st.wc
    put(first)
    evaluate()
    put(n - first)
  else
    put(n)
  end
  evaluate()
end

local node = A.node
local seq = tonumber(A.seq) or 0
local entry = redis.call('HGET', K[2], node)
-- The node entries expire NODE_TTL_MS after the last flush, give or take a minute: the TTL is
-- renewed by the first flushes of each minute, told by the last recount of the nodes (anAt, at
-- most a second older than the latest flush), and whenever an entry is new (so no recreated key
-- is left without one). A field of its own would cost every idle breaker a size class of memory.
local function touch_nodes(added)
  if added == 1 or math.floor(now / 60000) ~= math.floor(st.anAt / 60000) then
    redis.call('PEXPIRE', K[2], NODE_TTL_MS)
    keys_due = true
  end
end
local last_seq, last_fail = 0, 0
if entry then
  local a1, _, a3 = string.match(entry, '^(%d+) (%d+) (%d+)$')
  last_seq, last_fail = tonumber(a1) or 0, tonumber(a3) or 0
end

local status = 'OK'
local sec = math.floor(now / 1000)
if seq > 0 and seq <= last_seq then
  status = 'DUP'
elseif seq == 0 then
  -- A flush without outcomes (a seed, a lease renewal, a node whose successes change nothing in
  -- a full window) still tells that this node uses the breaker.
  touch_nodes(redis.call('HSET', K[2], node, fmt(last_seq) .. ' ' .. fmt(now) .. ' ' .. fmt(last_fail)))
  -- It looks at the oldest entry, which merging would evict, instead: a window of successes that
  -- no outcome reaches any more is checked all the same (a lost list, an entry that contradicts
  -- the totals), at the cost of the look at the tail a merge takes.
  if st.ct == 'C' and st.wc > 0 and not seeded and (st.s == 'CLOSED' or st.s == 'METRICS_ONLY') then
    local head = redis.call('LINDEX', K[3], 0)
    if not head then
      lost_window()
    else
      local c, f, s, sf
      local k, n = string.match(head, '^([sSfF])(%d+) %d+$')
      if k ~= nil then
        c, f, s, sf = kind_counts(k, tonumber(n))
      else
        c, f, s, sf = string.match(head, '^m(%d+),(%d+),(%d+),(%d+) %d+$')
        c, f, s, sf = tonumber(c), tonumber(f), tonumber(s), tonumber(sf)
      end
      if c == nil or c < 1 or c > st.wc or f > math.min(c, st.wf) or s > math.min(c, st.ws)
          or sf > math.min(f, s, st.wsf) then
        window_corrupt(st)
      end
    end
  end
else
  if bad then last_fail = now end
  touch_nodes(redis.call('HSET', K[2], node, fmt(seq) .. ' ' .. fmt(now) .. ' ' .. fmt(last_fail)))
  local epoch = tonumber(A.epoch) or 0
  -- Outcomes counted in an earlier episode (before a reset, or sent before this transition)
  -- do not belong to this window.
  local mergeable = (st.s == 'CLOSED' or st.s == 'METRICS_ONLY')
    and (seeded or epoch == 0 or epoch == st.v or (st.se > 0 and epoch == st.se))
  if mergeable then
    flag('M')
    if st.ct == 'C' and #blocks > 0 then check_list() end
    for _, b in ipairs(blocks) do
      if st.ct == 'C' then
        if b.c > 0 then
          add(function() push_unit(b.c, b.f, b.s, b.sf) end, b.c, true)
        end
        for _, run in ipairs(b.runs) do
          local k = run[1]
          add(function(n) push_run(k, n) end, run[2])
        end
      else
        -- Every block counts as of its own second, oldest first, as Resilience4j counted each
        -- call then: one already too old for the window at 'now' still held the calls that a
        -- later block's rates are measured with (the last advance_time drops it).
        local bsec = sec - b.age
        if st.wh == 0 or bsec > st.wh - st.cs then
          advance_time(bsec)
          local bc, bf, bs, bsf = 0, 0, 0, 0
          local function put_time(c, f, s, sf)
            bc, bf, bs, bsf = bc + c, bf + f, bs + s, bsf + sf
            add_totals(c, f, s, sf)
          end
          -- A second outside the window now is context only: the later seconds were measured with
          -- it, but its own rates were for the node's machine to act on then (it did: a trip).
          -- Evaluated, it would open on the seconds before it, which the node no longer sends.
          local context = bsec <= sec - st.cs
          local function count(put, n, counts)
            if context then put(n) else add(put, n, counts) end
          end
          if b.c > 0 then
            count(function() put_time(b.c, b.f, b.s, b.sf) end, b.c, true)
          end
          for _, run in ipairs(b.runs) do
            local k = run[1]
            count(function(n) put_time(kind_counts(k, n)) end, run[2])
          end
          if bc > 0 then
            local field = fmt(bsec)
            local cur = redis.call('HGET', K[4], field)
            local oc, of, os, osf = 0, 0, 0, 0
            if cur then
              local a1, a2, a3, a4 = string.match(cur, '^(%d+) (%d+) (%d+) (%d+)$')
              oc, of, os, osf = tonumber(a1) or 0, tonumber(a2) or 0, tonumber(a3) or 0, tonumber(a4) or 0
            end
            redis.call('HSET', K[4], field, fmt(oc + bc) .. ' ' .. fmt(of + bf) .. ' ' .. fmt(os + bs) .. ' ' .. fmt(osf + bsf))
          end
        end
      end
    end
  end
end
if st.ct == 'T' and (st.s == 'CLOSED' or st.s == 'METRICS_ONLY') then advance_time(sec) end

if st.s == 'HALF_OPEN' then
  local held = tonumber(A.renew) or 0
  if st.hu > 0 and now >= st.hu then
    expire_half_open(A, st, now)
  elseif held == st.v and st.lh == node then
    renew(A, st, now)
  end
end
-- A node reporting for the first time changes the counts at once; otherwise once a second.
-- The first failed or slow calls of a quiet fleet are counted at once too, and told: nodes that
-- hold back their successes while all is well (maxFlushDelay) send them now, and count every
-- success from then on, so that this node's failures never fill the window on their own.
local quiet = st.fn == 0
local failing = bad and flagset['M'] == true and quiet
count_nodes(st, now, entry == false or failing)
if failing and (st.s == 'CLOSED' or st.s == 'METRICS_ONLY') then
  send(A, 'r4j1f|' .. A.name)
end
if keys_due then
  keep_keys(st)
elseif window_created then
  redis.call('PEXPIRE', st.ct == 'C' and K[3] or K[4], STATE_TTL_MS)
end
if st.repaired then flag('X') end
save(st)
return reply(status, st, now, table.concat(order))
