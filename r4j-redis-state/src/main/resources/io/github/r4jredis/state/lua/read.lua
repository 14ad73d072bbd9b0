-- Reads the shared state without changing it (reconcile, verification of a pub/sub hint).
local now = now_ms()
local st, why = load()
if st == nil then return missing_reply('MISSING', now, why) end
return reply('OK', st, now, '')
