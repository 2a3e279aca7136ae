-- A deploy request. ARGV: P, message id, deployment id, root key R, trigger (merge|manual),
-- then field/value pairs for the deployment hash.
-- Returns {status, touched ids (csv), dispatched ids (csv)}.
local seen = replay()
if seen then return seen end
local id, R, trigger = ARGV[3], ARGV[4], ARGV[5]
if redis.call('EXISTS', dk(id)) == 0 then
  local fields = {}
  for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
  redis.call('HSET', dk(id), 'root_key', R, 'trigger', trigger, 'state', 'queued', 'seq', 1,
             'created_at', now_ms(), unpack(fields))
  redis.call('RPUSH', rk(R, 'queue:' .. trigger), id)
end
local dispatched = {}
local d = dispatch(R)
if d then dispatched[1] = d end
return remember('ok', { id }, dispatched)
