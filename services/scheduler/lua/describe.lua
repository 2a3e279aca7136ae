-- Reads a deployment for a message. ARGV: P, (unused), deployment id.
-- Returns {hash as flat field/value list, queue ahead as flat id/revision/trigger triples}.
local id = ARGV[3]
local dep = dk(id)
local hash = redis.call('HGETALL', dep)
local ahead = {}
local R = redis.call('HGET', dep, 'root_key')
if R and redis.call('HGET', dep, 'state') == 'queued' then
  local inflight = redis.call('GET', rk(R, 'inflight'))
  local waiting = {}
  if inflight and inflight ~= id then waiting[#waiting + 1] = inflight end
  local found = false
  for _, q in ipairs({ 'queue:manual', 'queue:merge' }) do
    if found then break end
    for _, other in ipairs(redis.call('LRANGE', rk(R, q), 0, -1)) do
      if other == id then
        found = true
        break
      end
      waiting[#waiting + 1] = other
    end
  end
  -- Not in a queue: it is the one in flight (dispatched, no executor report yet), so nothing
  -- is ahead of it.
  if not found then waiting = {} end
  for _, other in ipairs(waiting) do
    local f = redis.call('HMGET', dk(other), 'revision', 'trigger')
    ahead[#ahead + 1] = other
    ahead[#ahead + 1] = f[1] or ''
    ahead[#ahead + 1] = f[2] or ''
  end
end
return { hash, ahead }
