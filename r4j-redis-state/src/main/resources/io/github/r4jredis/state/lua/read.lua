-- Reads the shared state without changing it (reconcile, verification of a pub/sub hint).
local ARGS = {'clock', 'channel', 'name', 'node', 'est_hi', 'co_fix'}
local A = named(ARGS)
local now = now_ms(A)
local st, why = load()
now = fleet_now(A, st, now)
if st == nil then return missing_reply(now, why) end
return reply('OK', st, now, '')
