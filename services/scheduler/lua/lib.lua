-- Shared by every scheduler script (prepended to each at load). Keys, all under prefix P
-- (documented in docs/redis-keys.md):
--   P:root:<R>:queue:manual / :queue:merge  list of deployment ids, FIFO
--   P:root:<R>:inflight                     the deployment dispatched and not finished
--   P:root:<R>:lock                         present while the queue is locked for merge items
--   P:root:<R>:last_attempted               revision of the last deployment that ran
--   P:root:<R>:fence                        fencing-token counter (INCR per dispatch)
--   P:dep:<id>                              hash: one deployment
--   P:msg:<message id>                      result of a processed message (idempotency)
-- ARGV[1] is always P, ARGV[2] the id of the message being processed.
local P = ARGV[1]
local MSG = ARGV[2]
local function rk(R, suffix) return P .. ':root:' .. R .. ':' .. suffix end
local function dk(id) return P .. ':dep:' .. id end
local function now_ms()
  local t = redis.call('TIME')
  return tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
end

local TERMINAL = { succeeded = true, failed = true, timed_out = true, cancelled = true,
                   skipped = true, rejected = true }

local function set_state(id, state, reason)
  redis.call('HSET', dk(id), 'state', state, 'reason', reason or '', 'updated_at', now_ms())
  redis.call('HINCRBY', dk(id), 'seq', 1)
end

-- Pops the next deployment of root R when none is in flight: manual items first; merge items
-- only while the queue is unlocked. Returns the dispatched id or false.
local function dispatch(R)
  if redis.call('EXISTS', rk(R, 'inflight')) == 1 then return false end
  local id = redis.call('LPOP', rk(R, 'queue:manual'))
  if not id and redis.call('EXISTS', rk(R, 'lock')) == 0 then
    id = redis.call('LPOP', rk(R, 'queue:merge'))
  end
  if not id then return false end
  local fence = redis.call('INCR', rk(R, 'fence'))
  redis.call('SET', rk(R, 'inflight'), id)
  redis.call('HSET', dk(id), 'job_id', id .. ':' .. fence, 'fence', fence,
             'last_attempted', redis.call('GET', rk(R, 'last_attempted')) or '')
  return id
end

-- Records the outcome of this message so a redelivery returns it unchanged.
local function remember(status, touched, dispatched)
  local result = { status, table.concat(touched, ','), table.concat(dispatched, ',') }
  redis.call('SET', P .. ':msg:' .. MSG, cjson.encode(result), 'EX', 604800)
  return result
end

local function replay()
  local prev = redis.call('GET', P .. ':msg:' .. MSG)
  if prev then
    local r = cjson.decode(prev)
    r[1] = 'duplicate'
    return r
  end
  return nil
end
