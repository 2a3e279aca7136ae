-- Outbox entries older than a grace period (their publisher presumably died before publishing
-- them): the pump publishes them again. ARGV[5]: JSON {grace_ms, limit}. Entry ids are the
-- server's clock, so this uses Redis TIME whatever ARGV[3] says.
local q = cjson.decode(ARGV[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local entries = {}
for _, e in ipairs(redis.call('XRANGE', P .. ':outbox', '-', ms(now - q.grace_ms), 'COUNT',
                              q.limit)) do
  entries[#entries + 1] = e[1]
  entries[#entries + 1] = e[2]
end
return { 'ok', entries }
