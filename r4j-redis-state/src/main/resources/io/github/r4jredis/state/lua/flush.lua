-- Merges one node's outcome deltas into the shared window, evaluates Resilience4j's rules, opens
-- the breaker when they say so, renews the node's probe lease, and returns the shared state.
--
-- ARGV[5]  flush sequence of this node (a re-sent flush with a sequence already applied is
--          not merged again: Redisson may re-send a script after a response timeout)
-- ARGV[6]  version of the HALF_OPEN episode whose lease this node holds and renews, or 0
-- ARGV[7]  '0' no seed; '1' seed if the breaker is missing (first flush, or Redis lost it);
--          '2' seed also if Redis holds an older version than the seed's (Redis lost writes)
-- ARGV[8..23] seed: config and the state this node last knew
-- ARGV[24] the version the node held when it counted these outcomes: they are merged only into
--          that episode's window (0: the node never heard from Redis; a seed also accepts them)
-- ARGV[25] number of buckets n, then n times: age in seconds, calls, failures, slow calls,
--          slow failures
local now = now_ms()
local st, why = load()
local seeded = false
if (st == nil and ARGV[7] ~= '0') or (st ~= nil and ARGV[7] == '2' and st.v < (tonumber(ARGV[21]) or 0)) then
  st = seed(8, now)
  if st == nil then return missing_reply('MISSING', now, 'bad seed') end
  seeded = true
elseif st == nil then
  return missing_reply('MISSING', now, why)
end
local epoch = tonumber(ARGV[24]) or 0

local function add_time_bucket(sec, c, f, s, sf)
  local field = 'b' .. fmt(sec)
  local cur = redis.call('HGET', KEYS[1], field)
  local oc, of, os, osf = 0, 0, 0, 0
  if cur then
    oc, of, os, osf = string.match(cur, '^(%d+) (%d+) (%d+) (%d+)$')
    oc, of, os, osf = tonumber(oc) or 0, tonumber(of) or 0, tonumber(os) or 0, tonumber(osf) or 0
  end
  redis.call('HSET', KEYS[1], field, fmt(oc + c) .. ' ' .. fmt(of + f) .. ' ' .. fmt(os + s) .. ' ' .. fmt(osf + sf))
end

-- Drops the buckets that fell out of the window since the last flush.
local function advance_time_window(sec)
  if st.wh == 0 then
    set(st, 'wh', sec)
    return
  end
  if sec <= st.wh then return end
  local first = st.wh - st.cs + 1
  local last = math.min(sec - st.cs, st.wh)
  if last >= first then
    local fields = {}
    for b = first, last do fields[#fields + 1] = 'b' .. fmt(b) end
    local vals = redis.call('HMGET', KEYS[1], unpack(fields))
    local c, f, s, sf = 0, 0, 0, 0
    for _, v in ipairs(vals) do
      if v then
        local a1, a2, a3, a4 = string.match(v, '^(%d+) (%d+) (%d+) (%d+)$')
        c = c + (tonumber(a1) or 0); f = f + (tonumber(a2) or 0)
        s = s + (tonumber(a3) or 0); sf = sf + (tonumber(a4) or 0)
      end
    end
    redis.call('HDEL', KEYS[1], unpack(fields))
    set(st, 'wc', math.max(0, st.wc - c)); set(st, 'wf', math.max(0, st.wf - f))
    set(st, 'ws', math.max(0, st.ws - s)); set(st, 'wsf', math.max(0, st.wsf - sf))
  end
  set(st, 'wh', sec)
end

-- Appends a block to the COUNT_BASED window and evicts the oldest calls beyond its size.
-- Calls inside one block have no order: a partly evicted block keeps its proportions.
local function add_count_block(c, f, s, sf)
  if c > st.cs then
    f = math.floor(f * st.cs / c + 0.5); s = math.floor(s * st.cs / c + 0.5)
    sf = math.min(math.floor(sf * st.cs / c + 0.5), f, s); c = st.cs
  end
  redis.call('RPUSH', KEYS[3], fmt(c) .. ' ' .. fmt(f) .. ' ' .. fmt(s) .. ' ' .. fmt(sf) .. ' ' .. fmt(now))
  set(st, 'wc', st.wc + c); set(st, 'wf', st.wf + f); set(st, 'ws', st.ws + s); set(st, 'wsf', st.wsf + sf)
  while st.wc > st.cs do
    local head = redis.call('LINDEX', KEYS[3], 0)
    if not head then break end
    local hc, hf, hs, hsf, hms = string.match(head, '^(%d+) (%d+) (%d+) (%d+) (%d+)$')
    hc, hf, hs, hsf = tonumber(hc) or 0, tonumber(hf) or 0, tonumber(hs) or 0, tonumber(hsf) or 0
    local excess = st.wc - st.cs
    if hc <= excess then
      redis.call('LPOP', KEYS[3])
      set(st, 'wc', st.wc - hc); set(st, 'wf', st.wf - hf); set(st, 'ws', st.ws - hs); set(st, 'wsf', st.wsf - hsf)
    else
      local keep = hc - excess
      local kf = math.floor(hf * keep / hc + 0.5)
      local ks = math.floor(hs * keep / hc + 0.5)
      local ksf = math.min(math.floor(hsf * keep / hc + 0.5), kf, ks)
      redis.call('LSET', KEYS[3], 0, fmt(keep) .. ' ' .. fmt(kf) .. ' ' .. fmt(ks) .. ' ' .. fmt(ksf) .. ' ' .. (hms or fmt(now)))
      set(st, 'wc', st.wc - (hc - keep)); set(st, 'wf', st.wf - (hf - kf))
      set(st, 'ws', st.ws - (hs - ks)); set(st, 'wsf', st.wsf - (hsf - ksf))
    end
  end
  redis.call('PEXPIRE', KEYS[3], NODE_TTL_MS)
end

-- Resilience4j's rule: rates count once the window holds minimumNumberOfCalls (capped at the
-- size of a COUNT_BASED window); at or above a threshold the breaker opens, if enough distinct
-- nodes reported failures (quorum).
local function evaluate()
  local min_calls = st.cm
  if st.ct == 'C' then min_calls = math.min(st.cm, st.cs) end
  if st.wc == 0 or st.wc < min_calls then return '' end
  local f_ex = st.wf * 100.0 / st.wc >= st.cfr
  local s_ex = st.ws * 100.0 / st.wc >= st.csr
  if not f_ex and not s_ex then return '' end
  local flags = ''
  if f_ex then flags = flags .. 'F' end
  if s_ex then flags = flags .. 'S' end
  if st.s == 'METRICS_ONLY' then
    -- Published once per METRICS_ONLY episode, as Resilience4j does.
    local fresh = ''
    for i = 1, #flags do
      local flag = string.sub(flags, i, i)
      if not string.find(st.mx, flag, 1, true) then fresh = fresh .. flag end
    end
    if fresh ~= '' then set(st, 'mx', st.mx .. fresh) end
    return fresh
  end
  if st.cq > 1 then
    count_nodes(st, now, window_start(st, now), true)
    if st.fn < st.cq then return flags .. 'Q' end
  end
  transition(st, 'OPEN', now, {attempts = st.a + 1})
  return flags .. 'O'
end

local node = ARGV[4]
local seq = tonumber(ARGV[5]) or 0
local entry = redis.call('HGET', KEYS[2], node)
local last_seq, last_fail = 0, 0
if entry then
  local a1, _, a3 = string.match(entry, '^(%d+) (%d+) (%d+)$')
  last_seq, last_fail = tonumber(a1) or 0, tonumber(a3) or 0
end

local status = 'OK'
local flags = ''
if seq <= last_seq then
  status = 'DUP'
else
  local n = tonumber(ARGV[25]) or 0
  local sec = math.floor(now / 1000)
  -- Outcomes counted in an earlier episode (before a reset, or sent before this transition)
  -- do not belong to this window.
  local mergeable = (st.s == 'CLOSED' or st.s == 'METRICS_ONLY')
    and (seeded or epoch == 0 or epoch == st.v)
  if mergeable and st.ct == 'T' then advance_time_window(sec) end
  local tc, tf, ts, tsf = 0, 0, 0, 0
  for i = 0, n - 1 do
    local base = 26 + i * 5
    local age = tonumber(ARGV[base]) or 0
    local c, f, s, sf = tonumber(ARGV[base + 1]) or 0, tonumber(ARGV[base + 2]) or 0,
      tonumber(ARGV[base + 3]) or 0, tonumber(ARGV[base + 4]) or 0
    if c > 0 and f >= 0 and s >= 0 and sf >= 0 and f <= c and s <= c and sf <= math.min(f, s) then
      tc, tf, ts, tsf = tc + c, tf + f, ts + s, tsf + sf
      if mergeable and st.ct == 'T' and age >= 0 and age < st.cs then
        add_time_bucket(sec - age, c, f, s, sf)
        set(st, 'wc', st.wc + c); set(st, 'wf', st.wf + f); set(st, 'ws', st.ws + s); set(st, 'wsf', st.wsf + sf)
      end
    end
  end
  if mergeable and st.ct == 'C' and tc > 0 then add_count_block(tc, tf, ts, tsf) end
  if tf + ts > 0 then last_fail = now end
  redis.call('HSET', KEYS[2], node, fmt(seq) .. ' ' .. fmt(now) .. ' ' .. fmt(last_fail))
  redis.call('PEXPIRE', KEYS[2], NODE_TTL_MS)
  if mergeable and tc > 0 then flags = evaluate() end
end

if st.s == 'HALF_OPEN' then
  local renew = tonumber(ARGV[6]) or 0
  if st.hu > 0 and now >= st.hu then
    expire_half_open(st, now)
  elseif renew == st.v and st.lh == node then
    set(st, 'lu', now + st.cl)
  end
end
-- A node reporting for the first time changes the counts at once; otherwise once a second.
count_nodes(st, now, window_start(st, now), entry == false and seq > last_seq)
save(st)
return reply(status, st, now, flags)
