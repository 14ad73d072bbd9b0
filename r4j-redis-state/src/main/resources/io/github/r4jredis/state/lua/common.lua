-- Shared by every r4j-redis script; the loader prepends it to each entry script, which it wraps
-- in a function, entry(), followed by many.lua: one script call may carry the calls of many
-- breakers. K and ARG are the keys and arguments of the breaker at hand (KEYS and ARGV for a
-- call that carries one breaker's):
--
-- K[1]  <prefix>:{<name>}:state    hash: state, version, deadlines, holder, window totals,
--                                   shared config (c*)
-- K[2]  <prefix>:{<name>}:nodes    hash: node id -> "<last flush seq> <last flush ms> <last
--                                   failure ms>"; "<node id>#c" -> "<last command seq> <ms>"
-- K[3]  <prefix>:{<name>}:window   list (COUNT_BASED): runs "<kind><n> <ms>" (kind s fast
--                                   success, S slow success, f fast failure, F slow failure)
--                                   or unordered units "m<calls>,<fail>,<slow>,<slowfail> <ms>"
-- K[4]  <prefix>:{<name>}:buckets  hash (TIME_BASED): second -> "<calls> <fail> <slow> <slowfail>"
--
-- Every entry script names its arguments in one table, ARGS, read by named(): the Java side
-- (LuaScripts.Arg) lists the same names in the same order, and a test compares the two. Every
-- reply has the fields of REPLY, in that order (SharedView.Field on the Java side).
--
-- Every time is the fleet's time in milliseconds: Redis server time (TIME) plus the breaker's
-- offset, which moves only when TIME jumps (fleet_now); only a caller whose circuit breaker runs
-- on a clock other than the system clock (a test's) sends that clock's time as 'clock', and it
-- is used instead. Every transition increments the version (a
-- fencing token) and is published.

local K, ARG = KEYS, ARGV

local REPLY = {'status', 'state', 'version', 'previous', 'since', 'open_until', 'attempts',
  'holder', 'holder_until', 'half_open_until', 'server_now', 'calls', 'failures', 'slow_calls',
  'slow_failures', 'active_nodes', 'failing_nodes', 'fingerprint', 'flags', 'reason', 'by',
  'redis_time', 'clock_offset'}

local FIELDS = {'s', 'v', 'p', 't', 'ou', 'a', 'lh', 'lu', 'hu', 'by', 'r', 'wc', 'wf', 'ws', 'wsf', 'wh',
  'an', 'anAt', 'fn', 'mx', 'ct', 'cs', 'cm', 'cfr', 'csr', 'chk', 'cmw', 'cmwto', 'cq', 'cl', 'cw', 'cfp', 'se', 'co'}
local NUMERIC = {v = true, t = true, ou = true, a = true, lu = true, hu = true, wc = true, wf = true,
  ws = true, wsf = true, wh = true, an = true, anAt = true, fn = true, cs = true, cm = true,
  cfr = true, csr = true, chk = true, cmw = true, cq = true, cl = true, se = true, co = true}
local STATES = {CLOSED = true, OPEN = true, HALF_OPEN = true, DISABLED = true, METRICS_ONLY = true,
  FORCED_OPEN = true}
-- What each stored number may be: load() refuses anything else, and the breaker is re-seeded
-- (status CORRUPT). Every bound lies within what the nodes parse (SharedView: integers from 0 to
-- 2^63 - 1, texts of at most 512 characters), so a value a script takes is never one a node
-- refuses, and no script's running time depends on a number it has not bounded: times and
-- durations stay below 2^43 ms (the year 2248), so sums of them are exact in Lua's doubles.
local TIME_MAX = 8796093022208
-- The longest wait the fleet keeps (2^40 ms, about 35 years; SharedConfig.MAX_WAIT_MILLIS): a
-- "forever" transitionToOpenStateFor or seed stays a valid time.
local WAIT_MAX = 1099511627776
local INT_MAX = 2147483647
local RANGE = {v = {0, TIME_MAX}, t = {0, TIME_MAX}, ou = {0, TIME_MAX}, a = {0, INT_MAX},
  lu = {0, TIME_MAX}, hu = {0, TIME_MAX}, wc = {0, TIME_MAX}, wf = {0, TIME_MAX}, ws = {0, TIME_MAX},
  wsf = {0, TIME_MAX}, wh = {0, TIME_MAX}, an = {0, INT_MAX}, anAt = {0, TIME_MAX}, fn = {0, INT_MAX},
  cs = {1, INT_MAX}, cm = {1, INT_MAX}, cfr = {0, 100}, csr = {0, 100}, chk = {1, INT_MAX},
  cmw = {0, TIME_MAX}, cq = {1, INT_MAX}, cl = {1, TIME_MAX}, se = {0, TIME_MAX}, co = {-TIME_MAX, TIME_MAX}}
-- Rates are percentages; every other number is an integer.
local REAL = {cfr = true, csr = true}
-- The longest each text may be (node ids are at most 100 characters).
local TEXT = {s = 12, p = 12, lh = 100, by = 100, r = 16, mx = 2, ct = 1, cmwto = 6, cw = 512, cfp = 64}
local NODE_TTL_MS = 600000
-- A breaker's keys expire STATE_TTL_MS (7 days) after the last flush of any node, give or take
-- a minute: the shared state of a breaker nobody uses does not stay in Redis for ever. Set when
-- a key is created, renewed with the node entries (touch_nodes in flush.lua) and by operators'
-- commands; a node that calls a breaker whose calls no flush carries (OPEN, FORCED_OPEN,
-- DISABLED) flushes once an hour to keep it (BreakerSync.KEEP_ALIVE_NANOS).
local STATE_TTL_MS = 604800000
-- HMGET/HDEL take at most this many fields at once (Lua's unpack has a stack limit).
local SLICE = 500

local function named(fields)
  local a = {}
  for i, f in ipairs(fields) do a[f] = ARG[i] or '' end
  a.tail = #fields + 1
  return a
end

-- Redis TIME, read once per script call however many breakers it carries.
local time_ms = nil
local function now_ms(A)
  local given = tonumber(A.clock)
  if given ~= nil then return given end
  if time_ms == nil then
    local t = redis.call('TIME')
    time_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return time_ms
end

local function fmt(n)
  return string.format('%d', n)
end

-- Loads the state hash. Returns nil and a reason when the breaker does not exist (never seeded,
-- or Redis lost it) or fails validation; the caller re-seeds it.
local function load()
  local raw = redis.pcall('HMGET', K[1], unpack(FIELDS))
  if raw.err then return nil, 'corrupt key type' end
  local st = {}
  for i, f in ipairs(FIELDS) do
    local val = raw[i]
    if val == false then val = nil end
    if val ~= nil and NUMERIC[f] then
      val = tonumber(val)
      local range = RANGE[f]
      -- (val ~= val: NaN)
      if val == nil or val ~= val or val < range[1] or val > range[2]
          or (not REAL[f] and val ~= math.floor(val)) then
        return nil, 'corrupt field ' .. f
      end
    elseif val ~= nil and TEXT[f] and #val > TEXT[f] then
      return nil, 'corrupt field ' .. f
    end
    st[f] = val
  end
  if st.s == nil then return nil, 'missing' end
  if not STATES[st.s] or st.v == nil or (st.ct ~= 'C' and st.ct ~= 'T') or st.cs == nil
      or st.cm == nil or st.cfr == nil or st.csr == nil or st.chk == nil
      or st.cw == nil or st.cq == nil or st.cl == nil or (st.p ~= nil and not STATES[st.p])
      or (st.cmwto ~= nil and st.cmwto ~= 'CLOSED' and st.cmwto ~= 'OPEN') then
    return nil, 'corrupt'
  end
  -- The window's totals: no more failed or slow calls than calls, no more than a COUNT_BASED
  -- window holds.
  local wc, wf, ws, wsf = st.wc or 0, st.wf or 0, st.ws or 0, st.wsf or 0
  if wf > wc or ws > wc or wsf > math.min(wf, ws) or (st.ct == 'C' and wc > st.cs) then
    return nil, 'corrupt window totals'
  end
  -- Waits for attempts 1, 2, ...: "60000*32" or "1000,2000,4000*30" (value*repetitions).
  st.waits = {}
  for w in string.gmatch(st.cw, '[^,]+') do
    local value, times = string.match(w, '^(%d+)%*(%d+)$')
    if value == nil then value, times = string.match(w, '^(%d+)$'), 1 end
    value, times = tonumber(value), tonumber(times)
    if value == nil or times == nil or times < 1 or #st.waits + times > 64 or value > TIME_MAX then
      return nil, 'corrupt waits'
    end
    for _ = 1, times do st.waits[#st.waits + 1] = value end
  end
  if #st.waits == 0 then return nil, 'corrupt waits' end
  st.defaulted = {}
  for _, f in ipairs({'t', 'ou', 'a', 'lu', 'hu', 'wc', 'wf', 'ws', 'wsf', 'wh', 'an', 'anAt', 'fn', 'cmw', 'se', 'co'}) do
    if st[f] == nil then st[f] = 0; st.defaulted[f] = true end
  end
  if st.p == nil then st.p = st.s; st.defaulted.p = true end
  for _, f in ipairs({'lh', 'mx', 'r', 'by'}) do
    if st[f] == nil then st[f] = ''; st.defaulted[f] = true end
  end
  st.changed = {}
  return st
end

-- A field set to the value it has is not written again: a held flush into a full window of
-- successes changes nothing, and then saves nothing. (A field Redis did not hold, and load()
-- gave a default, is written whatever its value.)
local function set(st, field, value)
  if st[field] == value and not st.defaulted[field] then return end
  st[field] = value
  st.changed[field] = true
end

local function save(st)
  local args = {}
  local dels = {}
  for f, _ in pairs(st.changed) do
    local val = st[f]
    st.defaulted[f] = nil
    if val == nil or val == '' then
      dels[#dels + 1] = f
    else
      args[#args + 1] = f
      args[#args + 1] = tostring(val)
    end
  end
  if #args > 0 then redis.call('HSET', K[1], unpack(args)) end
  if #dels > 0 then redis.call('HDEL', K[1], unpack(dels)) end
  st.changed = {}
end

-- How far Redis TIME may stray from the bounds a node knows before it counts as a jump (ms).
local CLOCK_MARGIN_MS = 1000

-- What fleet_now saw, for the reply: Redis TIME itself and the breaker's offset. A node compares
-- them with its own record of Redis TIME to tell a jump of TIME from a script that ran late.
local clock = {raw = 0, co = 0}

-- The fleet's time for this breaker: Redis TIME plus the breaker's offset 'co'. A failover to a
-- server whose clock is off (or a clock stepped) makes TIME jump. A script cannot tell a jump
-- forward from its own late run behind a paused or busy Redis, nor can it trust one node's
-- bounds over another's, so it never moves the offset on a bound:
-- * est_hi, the latest the fleet's time can be by the caller (its last reply's time moved on by
--   its monotonic clock since that request left): a time past it only holds this script back to
--   it (a late script acts as of when it was sent; after a jump forward no deadline ends early).
--   Nothing is kept: a caller with a bound too low only acts late.
-- * co_fix "<offset> <new offset>": the caller saw Redis TIME itself jump (its round trips bound
--   the time between two replies) and the breaker's offset not follow: it moves, if still what
--   the caller saw (so that a jump is absorbed once however many nodes saw it).
-- Without bounds (a new node, an operator), a TIME before the breaker's last transition is a
-- jump back for certain, and moves the offset. A test clock ('clock') is used as is.
local function fleet_now(A, st, raw)
  clock.raw = raw
  clock.co = 0
  if tonumber(A.clock) ~= nil then return raw end
  local co = 0
  if st ~= nil then co = st.co end
  local from, to = string.match(A.co_fix, '^(-?%d+) (-?%d+)$')
  if st ~= nil and from ~= nil and tonumber(from) == co then
    co = tonumber(to)
  end
  local now = raw + co
  local hi = tonumber(A.est_hi)
  if hi == nil and st ~= nil and now < st.t - CLOCK_MARGIN_MS then
    co = co + (st.t - now)
    now = st.t
  end
  if st ~= nil and co ~= st.co then
    set(st, 'co', co)
    save(st) -- kept whatever the script does next (a read writes nothing else)
  end
  clock.co = co
  if hi ~= nil and now > hi + CLOCK_MARGIN_MS then now = hi end
  return now
end

local function wait_for(st, attempts)
  local i = attempts
  if i < 1 then i = 1 end
  if i > #st.waits then i = #st.waits end
  return st.waits[i]
end

-- Forgets the sliding window: a new CLOSED or METRICS_ONLY episode starts with empty metrics.
local function clear_window(st)
  redis.call('DEL', K[3], K[4])
  set(st, 'wc', 0); set(st, 'wf', 0); set(st, 'ws', 0); set(st, 'wsf', 0); set(st, 'wh', 0)
  set(st, 'fn', 0); set(st, 'mx', '')
end

-- A window whose entries contradict its totals (tampered with: a run of more failures than the
-- window holds, an entry that does not parse) is emptied, and the reply says so once (flag 'X'):
-- kept, it would drive the totals negative or hold phantom calls.
local function window_corrupt(st)
  clear_window(st)
  st.repaired = true
end

-- Whether the window's totals are consistent: none negative, no more failed or slow calls than calls.
local function totals_consistent(st)
  return st.wsf >= 0 and st.wf >= st.wsf and st.ws >= st.wsf and st.wc >= st.wf and st.wc >= st.ws
end

-- The type each key of a breaker must have. After a command failed on a key of another type
-- (an operator's SET, a tamperer), such keys are deleted and the breaker answers CORRUPT, and
-- the node re-seeds it: a healthy breaker pays nothing for the check.
local TYPES = {'hash', 'hash', 'list', 'hash'}
local function repair_types()
  local fixed = false
  for i, want in ipairs(TYPES) do
    if K[i] ~= nil then
      local t = redis.call('TYPE', K[i])
      t = t.ok or t
      if t ~= 'none' and t ~= want then
        redis.call('DEL', K[i])
        fixed = true
      end
    end
  end
  return fixed
end

-- Tells the fleet. A channel in a hash slot (braces: the breaker's own, on a Cluster) is a shard
-- channel: SPUBLISH keeps the message on the shard holding the breaker. Before Redis 7 there is
-- none (nor REDIS_VERSION_NUM): the message goes out on a plain channel of that name. A channel
-- marked '#' is published as a plain channel whatever the Redis: the node hears it through a
-- pattern (it found a Redis 6, and keeps to that until it restarts).
local SHARD_CHANNELS = (redis.REDIS_VERSION_NUM or 0) >= 0x070000
local function send(A, message)
  local channel = A.channel
  if string.sub(channel, 1, 1) == '#' then
    redis.call('PUBLISH', string.sub(channel, 2), message)
  elseif SHARD_CHANNELS and string.find(channel, '{', 1, true) then
    redis.call('SPUBLISH', channel, message)
  else
    redis.call('PUBLISH', channel, message)
  end
end

local function publish(A, st)
  send(A, table.concat({'r4j1', A.name, fmt(st.v), st.s, st.p, fmt(st.t),
    fmt(st.ou), st.lh, fmt(st.lu), fmt(st.hu), st.r}, '|'))
end

-- Moves the breaker to another state: new version, publication, and the bookkeeping that state
-- needs (deadline, attempts, holder, fresh window). opts: attempts, wait (ms, for OPEN), holder
-- (node id: in HALF_OPEN the trial lease, in OPEN the reservation of the next trial episode,
-- which lapses a lease duration after the deadline), reason ('reset' for reset()).
local function transition(A, st, to, now, opts)
  opts = opts or {}
  set(st, 'p', st.s)
  set(st, 's', to)
  set(st, 'v', st.v + 1)
  set(st, 't', now)
  set(st, 'by', A.node)
  set(st, 'r', opts.reason or '')
  set(st, 'se', '') -- a re-seeded episode ends here
  set(st, 'lh', opts.holder or '')
  set(st, 'lu', 0)
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
    set(st, 'ou', now + math.min(wait, WAIT_MAX))
    if opts.holder then set(st, 'lu', now + wait + st.cl) end
  elseif to == 'HALF_OPEN' then
    if opts.holder then set(st, 'lu', now + st.cl) end
    if st.cmw > 0 then set(st, 'hu', now + st.cmw) end
  end
  if to == 'CLOSED' or to == 'METRICS_ONLY' or to == 'DISABLED' then
    clear_window(st)
  end
  save(st)
  publish(A, st)
end

-- Extends the caller's trial lease (HALF_OPEN) and tells the fleet, so that nobody claims a
-- lease that is still held.
local function renew(A, st, now)
  set(st, 'lu', now + st.cl)
  save(st)
  publish(A, st)
end

local function reply(status, st, now, flags)
  return {status, st.s, fmt(st.v), st.p, fmt(st.t), fmt(st.ou), fmt(st.a), st.lh, fmt(st.lu),
    fmt(st.hu), fmt(now), fmt(st.wc), fmt(st.wf), fmt(st.ws), fmt(st.wsf), fmt(st.an), fmt(st.fn),
    st.cfp or '', flags or '', st.r, st.by, fmt(clock.raw), fmt(clock.co)}
end

-- No (valid) breaker: status MISSING or CORRUPT, the reason in 'reason'.
local function missing_reply(now, why)
  local status = 'MISSING'
  if why ~= nil and string.sub(why, 1, 7) == 'corrupt' then status = 'CORRUPT' end
  return {status, '', '0', '', '0', '0', '0', '', '0', '0', fmt(now), '0', '0', '0', '0',
    '0', '0', '', '', why or '', '', fmt(clock.raw), fmt(clock.co)}
end

-- Renews the expiry of the breaker's state and of its window (the list or the buckets; a key
-- that does not exist is left alone).
local function keep_keys(st)
  redis.call('PEXPIRE', K[1], STATE_TTL_MS)
  redis.call('PEXPIRE', st.ct == 'C' and K[3] or K[4], STATE_TTL_MS)
end

-- Creates (or repairs) the breaker from a node's seed: its config, and the state it last knew,
-- so that a Redis restarted empty never silently closes a breaker the fleet had open. The node
-- the seeding node knew to hold the trial lease or the reservation (seed_holder, any node) keeps
-- it for a lease duration: it may be running its trial calls ahead of Redis, and its start or
-- verdict over the version it knew still applies (see continues()).
local function seed(A, now)
  local state = A.seed_state
  if not STATES[state] then state = 'CLOSED' end
  local version = (tonumber(A.seed_version) or 0) + 1
  local remaining = math.min(math.max(tonumber(A.seed_remaining) or 0, 0), WAIT_MAX)
  local attempts = math.max(tonumber(A.seed_attempts) or 0, 0)
  local holder = A.seed_holder or ''
  redis.call('DEL', K[1], K[3], K[4])
  local ou, lu = 0, 0
  local cl = tonumber(A.seed_lease) or 0
  if state == 'HALF_OPEN' and holder == '' then
    -- An episode whose holder nobody knows cannot be resumed: the next one is anyone's.
    state = 'OPEN'
    remaining = 0
  end
  if state == 'OPEN' then
    ou = now + remaining
    if holder ~= '' then lu = ou + cl end
  elseif state == 'HALF_OPEN' then
    lu = now + cl
  else
    holder = ''
  end
  -- 'se': the version the seeding node held. The seed continues that episode (same state, its
  -- window lost with Redis's data): outcomes other nodes counted under that version, while Redis
  -- was away, still belong to it. 'r' = 'seed' tells the nodes it is no new episode.
  local fields = {'s', state, 'v', fmt(version), 'p', state, 't', fmt(now), 'ou', fmt(ou),
    'a', fmt(attempts), 'by', A.node, 'lu', fmt(lu), 'se', fmt(version - 1), 'r', 'seed', 'co', fmt(clock.co),
    'ct', A.seed_type, 'cs', A.seed_size, 'cm', A.seed_min, 'cfr', A.seed_frate,
    'csr', A.seed_srate, 'chk', A.seed_trials, 'cmw', A.seed_maxwait, 'cmwto', A.seed_after,
    'cq', A.seed_quorum, 'cl', A.seed_lease, 'cw', A.seed_waits, 'cfp', A.seed_fp}
  if holder ~= '' then
    fields[#fields + 1] = 'lh'
    fields[#fields + 1] = holder
  end
  redis.call('HSET', K[1], unpack(fields))
  redis.call('PEXPIRE', K[1], STATE_TTL_MS)
  local st = load()
  if st == nil then return nil end
  if st.s == 'HALF_OPEN' and st.cmw > 0 then
    set(st, 'hu', now + st.cmw)
    save(st)
  end
  publish(A, st)
  return st
end

-- Whether a step sent over version v (a start, a verdict) applies to st: st is v itself, or the
-- seed that wrote v back after Redis lost it ('se', cleared by the next transition).
local function continues(st, v)
  return v ~= nil and (st.v == v or st.se == v)
end

-- Whether the seed is to be written: mode '1' when the breaker is missing (first flush, or Redis
-- lost it), mode '2' also when Redis holds an older version than the seed's (Redis lost writes).
local function wants_seed(A, st)
  if st == nil then return A.seed_mode ~= '0' and A.seed_mode ~= '' end
  return A.seed_mode == '2' and st.v < (tonumber(A.seed_version) or 0)
end

-- Where the window starts: TIME_BASED, the oldest second still in it; COUNT_BASED, the time of
-- its oldest run.
local function window_start(st, now)
  if st.ct == 'T' then
    return (math.floor(now / 1000) - st.cs + 1) * 1000
  end
  local head = redis.call('LINDEX', K[3], 0)
  if head then
    local ms = tonumber(string.match(head, ' (%d+)$'))
    if ms ~= nil then return ms end
  end
  return now
end

-- Counts nodes that flushed lately and nodes that reported failures inside the window, and
-- drops node entries silent for NODE_TTL_MS. Recomputed at most once a second (and only then is
-- the window's start looked up).
local function count_nodes(st, now, force)
  if not force and now - st.anAt < 1000 and now >= st.anAt then return end
  local start = window_start(st, now)
  local entries = redis.call('HGETALL', K[2])
  local active, failing = 0, 0
  local stale = {}
  for i = 1, #entries, 2 do
    local field, value = entries[i], entries[i + 1]
    if string.sub(field, -2) == '#c' then
      local ms = tonumber(string.match(value, '^%d+ (%d+)$'))
      if ms == nil or now - ms > NODE_TTL_MS then stale[#stale + 1] = field end
    else
      local _, flushed, failed = string.match(value, '^(%d+) (%d+) (%d+)$')
      flushed = tonumber(flushed)
      failed = tonumber(failed)
      if flushed == nil or now - flushed > NODE_TTL_MS then
        stale[#stale + 1] = field
      else
        if now - flushed <= math.max(10000, now - start) then active = active + 1 end
        if failed > 0 and failed >= start then failing = failing + 1 end
      end
    end
  end
  for i = 1, #stale, SLICE do
    redis.call('HDEL', K[2], unpack(stale, i, math.min(i + SLICE - 1, #stale)))
  end
  set(st, 'an', active)
  set(st, 'fn', failing)
  set(st, 'anAt', now)
end

-- Ends a HALF_OPEN episode whose maxWaitDurationInHalfOpenState has passed. The lease holder
-- keeps the reservation of the next episode, as it would after its own OPEN verdict.
local function expire_half_open(A, st, now)
  local holder = nil
  if st.lh ~= '' then holder = st.lh end
  if st.cmwto == 'CLOSED' then
    transition(A, st, 'CLOSED', now)
  else
    transition(A, st, 'OPEN', now, {attempts = st.a + 1, holder = holder})
  end
end

-- Resilience4j's StateTransition table: the transitions a manual command may ask for.
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
