-- Shared by every r4j-redis script; the loader prepends it to each entry script.
--
-- KEYS[1]  <prefix>:{<name>}:state   hash: state, version, deadlines, lease, window totals,
--                                      TIME_BASED buckets (b<second>), shared config (c*)
-- KEYS[2]  <prefix>:{<name>}:nodes   hash: node id -> "<last seq> <last flush ms> <last failure ms>"
-- KEYS[3]  <prefix>:{<name>}:window  list (COUNT_BASED only): blocks "<calls> <fail> <slow> <slowfail> <ms>"
-- ARGV[1]  test-only clock skew in ms (always 0 in production), ARGV[2] pub/sub channel,
-- ARGV[3]  encoded breaker name, ARGV[4] calling node id. Entry scripts read ARGV[5..].
--
-- Every time is Redis server time (TIME) in milliseconds. Every transition increments the
-- version (a fencing token) and is published.

local FIELDS = {'s', 'v', 'p', 't', 'ou', 'a', 'lh', 'lu', 'hu', 'by', 'r', 'wc', 'wf', 'ws', 'wsf', 'wh',
  'an', 'anAt', 'fn', 'mx', 'ct', 'cs', 'cm', 'cfr', 'csr', 'chk', 'cmw', 'cmwto', 'cq', 'cl', 'cw', 'cfp'}
local NUMERIC = {v = true, t = true, ou = true, a = true, lu = true, hu = true, wc = true, wf = true,
  ws = true, wsf = true, wh = true, an = true, anAt = true, fn = true, cs = true, cm = true,
  cfr = true, csr = true, chk = true, cmw = true, cq = true, cl = true}
local STATES = {CLOSED = true, OPEN = true, HALF_OPEN = true, DISABLED = true, METRICS_ONLY = true,
  FORCED_OPEN = true}
local NODE_TTL_MS = 600000

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
end

-- Loads the state hash. Returns nil when the breaker does not exist (never seeded, or Redis
-- lost it); a hash that fails validation is treated the same way and re-seeded by the caller.
local function load()
  local raw = redis.call('HMGET', KEYS[1], unpack(FIELDS))
  local st = {}
  for i, f in ipairs(FIELDS) do
    local val = raw[i]
    if val == false then val = nil end
    if val ~= nil and NUMERIC[f] then
      val = tonumber(val)
      if val == nil then return nil, 'corrupt field ' .. f end
    end
    st[f] = val
  end
  if st.s == nil then return nil, 'missing' end
  if not STATES[st.s] or st.v == nil or (st.ct ~= 'C' and st.ct ~= 'T') or st.cs == nil
      or st.cs < 1 or st.cm == nil or st.cfr == nil or st.csr == nil or st.chk == nil
      or st.chk < 1 or st.cw == nil or st.cq == nil or st.cl == nil then
    return nil, 'corrupt'
  end
  -- Waits for attempts 1, 2, ...: "60000*32" or "1000,2000,4000*30" (value*repetitions).
  st.waits = {}
  for w in string.gmatch(st.cw, '[^,]+') do
    local value, times = string.match(w, '^(%d+)%*(%d+)$')
    if value == nil then value, times = string.match(w, '^(%d+)$'), 1 end
    value, times = tonumber(value), tonumber(times)
    if value == nil or times == nil or times < 1 or #st.waits + times > 64 then
      return nil, 'corrupt waits'
    end
    for _ = 1, times do st.waits[#st.waits + 1] = value end
  end
  if #st.waits == 0 then return nil, 'corrupt waits' end
  for _, f in ipairs({'t', 'ou', 'a', 'lu', 'hu', 'wc', 'wf', 'ws', 'wsf', 'wh', 'an', 'anAt', 'fn'}) do
    if st[f] == nil then st[f] = 0 end
  end
  st.p = st.p or st.s
  st.lh = st.lh or ''
  st.mx = st.mx or ''
  st.r = st.r or ''
  st.changed = {}
  return st
end

local function set(st, field, value)
  st[field] = value
  st.changed[field] = true
end

local function save(st)
  local args = {}
  local dels = {}
  for f, _ in pairs(st.changed) do
    local val = st[f]
    if val == nil or val == '' then
      dels[#dels + 1] = f
    else
      args[#args + 1] = f
      args[#args + 1] = tostring(val)
    end
  end
  if #args > 0 then redis.call('HSET', KEYS[1], unpack(args)) end
  if #dels > 0 then redis.call('HDEL', KEYS[1], unpack(dels)) end
  st.changed = {}
end

local function wait_for(st, attempts)
  local i = attempts
  if i < 1 then i = 1 end
  if i > #st.waits then i = #st.waits end
  return st.waits[i]
end

local function fmt(n)
  return string.format('%d', n)
end

-- Forgets the sliding window: a new CLOSED or METRICS_ONLY episode starts with empty metrics.
local function clear_window(st)
  if st.ct == 'T' and st.wh > 0 then
    local fields = {}
    for sec = st.wh - st.cs + 1, st.wh do
      fields[#fields + 1] = 'b' .. fmt(sec)
    end
    redis.call('HDEL', KEYS[1], unpack(fields))
  end
  redis.call('DEL', KEYS[3])
  set(st, 'wc', 0); set(st, 'wf', 0); set(st, 'ws', 0); set(st, 'wsf', 0); set(st, 'wh', 0)
  set(st, 'fn', 0); set(st, 'mx', '')
end

local function publish(st)
  redis.call('PUBLISH', ARGV[2], table.concat({'r4j1', ARGV[3], fmt(st.v), st.s, st.p, fmt(st.t),
    fmt(st.ou), st.lh, fmt(st.lu), fmt(st.hu), st.r}, '|'))
end

-- Moves the breaker to another state: new version, publication, and the bookkeeping that state
-- needs (deadline, attempts, lease, fresh window). opts: attempts, wait (ms, for OPEN), lease
-- (node id to hand a HALF_OPEN lease to), reason ('reset' for reset()).
local function transition(st, to, now, opts)
  opts = opts or {}
  set(st, 'p', st.s)
  set(st, 's', to)
  set(st, 'v', st.v + 1)
  set(st, 't', now)
  set(st, 'by', ARGV[4])
  set(st, 'r', opts.reason or '')
  set(st, 'lh', opts.lease or '')
  set(st, 'lu', 0)
  if opts.lease then set(st, 'lu', now + st.cl) end
  set(st, 'hu', 0)
  set(st, 'ou', 0)
  if to == 'CLOSED' or to == 'METRICS_ONLY' or to == 'DISABLED' then
    set(st, 'a', 0)
  elseif opts.attempts ~= nil then
    set(st, 'a', opts.attempts)
  end
  if to == 'OPEN' then
    local wait = opts.wait
    if wait == nil then wait = wait_for(st, st.a) end
    set(st, 'ou', now + wait)
  elseif to == 'HALF_OPEN' then
    if st.cmw > 0 then set(st, 'hu', now + st.cmw) end
  elseif to == 'CLOSED' or to == 'METRICS_ONLY' or to == 'DISABLED' then
    clear_window(st)
  end
  save(st)
  publish(st)
end

-- The state every reply carries, in this order; the Java side parses it field by field.
local function reply(status, st, now, flags)
  return {status, st.s, fmt(st.v), st.p, fmt(st.t), fmt(st.ou), fmt(st.a), st.lh, fmt(st.lu),
    fmt(st.hu), fmt(now), fmt(st.wc), fmt(st.wf), fmt(st.ws), fmt(st.wsf), fmt(st.an), fmt(st.fn),
    st.cfp or '', flags or '', st.ct, fmt(st.cs), st.r}
end

local function missing_reply(status, now, why)
  return {status, why or '', '0', '', '0', '0', '0', '', '0', '0', fmt(now), '0', '0', '0', '0',
    '0', '0', '', '', '', '0', ''}
end

-- Creates (or repairs) the breaker from a node's seed: its config, and the state it last knew,
-- so that a Redis restarted empty never silently closes a breaker the fleet had open.
-- seed: ARGV[first .. first + 15].
local SEED_FIELDS = 16
local function seed(first, now)
  local c = {}
  for i = 0, SEED_FIELDS - 1 do c[i + 1] = ARGV[first + i] end
  local state = c[13]
  if not STATES[state] then state = 'CLOSED' end
  local version = (tonumber(c[14]) or 0) + 1
  local remaining = tonumber(c[15]) or 0
  local attempts = tonumber(c[16]) or 0
  redis.call('DEL', KEYS[1], KEYS[3])
  local ou = 0
  if state == 'OPEN' or state == 'HALF_OPEN' then
    -- A half-open episode cannot be resumed: its lease and trial calls are gone. Reopen it.
    if state == 'HALF_OPEN' then remaining = 0 end
    state = 'OPEN'
    ou = now + math.max(remaining, 0)
  end
  redis.call('HSET', KEYS[1], 's', state, 'v', fmt(version), 'p', state, 't', fmt(now),
    'ou', fmt(ou), 'a', fmt(attempts), 'by', ARGV[4],
    'ct', c[1], 'cs', c[2], 'cm', c[3], 'cfr', c[4], 'csr', c[5], 'chk', c[6], 'cmw', c[7],
    'cmwto', c[8], 'cq', c[9], 'cl', c[10], 'cw', c[11], 'cfp', c[12])
  local st = load()
  if st ~= nil then publish(st) end
  return st
end

-- Counts nodes that flushed lately and nodes that reported failures inside the window, and
-- drops node entries silent for NODE_TTL_MS. Recomputed at most once a second.
local function count_nodes(st, now, window_start, force)
  if not force and now - st.anAt < 1000 and now >= st.anAt then return end
  local entries = redis.call('HGETALL', KEYS[2])
  local active, failing = 0, 0
  local stale = {}
  for i = 1, #entries, 2 do
    local seq, flushed, failed = string.match(entries[i + 1], '^(%d+) (%d+) (%d+)$')
    flushed = tonumber(flushed)
    failed = tonumber(failed)
    if flushed == nil or now - flushed > NODE_TTL_MS then
      stale[#stale + 1] = entries[i]
    else
      if now - flushed <= math.max(10000, now - window_start) then active = active + 1 end
      if failed > 0 and failed >= window_start then failing = failing + 1 end
    end
  end
  if #stale > 0 then redis.call('HDEL', KEYS[2], unpack(stale)) end
  set(st, 'an', active)
  set(st, 'fn', failing)
  set(st, 'anAt', now)
end

-- Where the window starts: TIME_BASED, the oldest second still in it; COUNT_BASED, the time of
-- its oldest block.
local function window_start(st, now)
  if st.ct == 'T' then
    return (math.floor(now / 1000) - st.cs + 1) * 1000
  end
  local head = redis.call('LINDEX', KEYS[3], 0)
  if head then
    local ms = tonumber(string.match(head, '(%d+)$'))
    if ms ~= nil then return ms end
  end
  return now
end

-- Ends a HALF_OPEN episode whose maxWaitDurationInHalfOpenState has passed.
local function expire_half_open(st, now)
  if st.cmwto == 'CLOSED' then
    transition(st, 'CLOSED', now)
  else
    transition(st, 'OPEN', now, {attempts = st.a + 1})
  end
end

-- R4j's StateTransition table: the transitions a manual command may ask for.
local LEGAL = {
  CLOSED = {CLOSED = true, OPEN = true, DISABLED = true, METRICS_ONLY = true, FORCED_OPEN = true},
  HALF_OPEN = {HALF_OPEN = true, CLOSED = true, OPEN = true, DISABLED = true, METRICS_ONLY = true,
    FORCED_OPEN = true},
  OPEN = {OPEN = true, CLOSED = true, HALF_OPEN = true, DISABLED = true, METRICS_ONLY = true,
    FORCED_OPEN = true},
  FORCED_OPEN = {FORCED_OPEN = true, CLOSED = true, OPEN = true, DISABLED = true, METRICS_ONLY = true,
    HALF_OPEN = true},
  DISABLED = {DISABLED = true, CLOSED = true, OPEN = true, FORCED_OPEN = true, HALF_OPEN = true,
    METRICS_ONLY = true},
  METRICS_ONLY = {METRICS_ONLY = true, CLOSED = true, FORCED_OPEN = true, DISABLED = true}
}
