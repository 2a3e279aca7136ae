-- Prepended to every scheduler script (with lib_queue.lua and lib_finish.lua after it). Key
-- layout: docs/redis-keys.md. Every script takes the same first four arguments:
--   ARGV[1] P, the key prefix      ARGV[2] id of the message being handled ('' for timers)
--   ARGV[3] now in ms ('' = Redis TIME; tests drive a virtual clock through it)
--   ARGV[4] correlation id of that message
-- and its own arguments from ARGV[5]. A script returns {status, entries}: entries is the flat
-- list stream-id, field/value list of what it added to the outbox stream P:outbox (messages to
-- publish, see outbox.hpp). Deployment ids are not declared in KEYS: the scheduler needs a single Redis
-- (no cluster), like the rest of Strata.
local P, MSG, CID = ARGV[1], ARGV[2], ARGV[4]
local NOW
if ARGV[3] ~= '' then
  NOW = tonumber(ARGV[3])
else
  local t = redis.call('TIME')
  NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local RETAIN_S = 30 * 86400  -- finished deployments are kept this long
local QUEUE_SHOWN = 50       -- at most this many entries of queue_ahead per message

local TERMINAL = { succeeded = true, failed = true, timed_out = true, cancelled = true,
                   skipped = true, rejected = true, review_timed_out = true }

local function ms(n) return string.format('%.0f', n) end
local function rk(R, suffix) return P .. ':root:' .. R .. ':' .. suffix end
local function dk(id) return P .. ':dep:' .. id end
local function short(rev) return string.sub(rev or '', 1, 7) end

-- A deployment's fields as a table (empty when it does not exist).
local function load(id)
  local flat = redis.call('HGETALL', dk(id))
  local h = {}
  for i = 1, #flat, 2 do h[flat[i]] = flat[i + 1] end
  return h
end

local function field(id, name) return redis.call('HGET', dk(id), name) end

-- Only the named fields of a deployment (cheaper than load).
local function fields_of(id, ...)
  local names = { ... }
  local values = redis.call('HMGET', dk(id), unpack(names))
  local h = {}
  for i, name in ipairs(names) do
    if values[i] then h[name] = values[i] end
  end
  return h
end

-- ---- outbox --------------------------------------------------------------------------------
local out_ids, out = {}, {}

-- Adds a message to publish: a stream entry of field/value pairs (outbox.hpp), with cid the
-- correlation id to carry ('' = this message's) and the id of the message that caused it.
local function emit(fields, cid)
  local entry = { 'cid', (cid and cid ~= '') and cid or CID, 'cause', MSG }
  for i = 1, #fields do entry[#entry + 1] = fields[i] end
  local xid = redis.call('XADD', P .. ':outbox', '*', unpack(entry))
  out_ids[#out_ids + 1] = xid
  out[#out + 1] = xid
  out[#out + 1] = entry
end

-- The repository's JSON as last seen in a deploy or plan request (refusals of triggers, which
-- only name the repository, carry it), else fallback.
local function repo_of(name, fallback)
  return redis.call('GET', P .. ':repo:' .. (name or '')) or fallback
end

-- request.refused: what was asked, by whom, why. repo is the repo JSON as stored.
local function refuse(repo, root, revision, request, user, reason, dep)
  emit({ 't', 'refused', 'repo', repo, 'root', root or '', 'revision', revision or '',
         'request', request, 'user', user or '', 'reason', reason, 'dep', dep or '' })
end

-- ---- deployments that changed --------------------------------------------------------------
-- touch(id) marks a deployment as changed; done() publishes one deployment.state per touched
-- deployment (its seq bumped once), with its state as it is at the end of the script.
local touched, touched_order = {}, {}
local function touch(id)
  if not touched[id] then
    touched[id] = true
    touched_order[#touched_order + 1] = id
  end
end

-- Deployments ahead of a waiting one, in the order they will run: the one in flight, then the
-- manual queue, then the merge queue, up to it.
local function queue_ahead(id, h)
  local ahead = {}
  if h.phase ~= 'queue' or h.kind ~= 'deploy' then return ahead end
  local R = h.root_key
  local ids = {}
  local inflight = redis.call('GET', rk(R, 'inflight'))
  if inflight and inflight ~= id then ids[#ids + 1] = inflight end
  local found = false
  for _, q in ipairs({ 'queue:manual', 'queue:merge' }) do
    if found then break end
    for _, other in ipairs(redis.call('LRANGE', rk(R, q), 0, -1)) do
      if other == id then
        found = true
        break
      end
      ids[#ids + 1] = other
    end
  end
  for i, other in ipairs(ids) do
    if i > QUEUE_SHOWN then break end
    local f = redis.call('HMGET', dk(other), 'revision', 'trigger')
    ahead[#ahead + 1] = { id = other, revision = f[1] or '', trigger = f[2] or '' }
  end
  return ahead
end

-- The fields of a deployment a deployment.state carries (outbox.cpp reads them by name).
local STATE_FIELDS = { 'seq', 'repo', 'root', 'revision', 'kind', 'trigger', 'user', 'state',
                       'reason', 'plan', 'updated_at', 'pull_number', 'force', 'revision_order',
                       'approvals', 'approved_at', 'unlocked_by', 'started_at',
                       'apply_started_at', 'finished_at', 'executor', 'phase', 'root_key', 'cid' }

-- One deployment.state entry: the deployment as it is now, and the queue ahead of it.
local function snapshot(id)
  if redis.call('EXISTS', dk(id)) == 0 then return end
  redis.call('HINCRBY', dk(id), 'seq', 1)
  redis.call('HSET', dk(id), 'updated_at', ms(NOW))
  local values = redis.call('HMGET', dk(id), unpack(STATE_FIELDS))
  local h = {}
  local entry = { 't', 'state', 'id', id, 'ahead', '' }
  for i, name in ipairs(STATE_FIELDS) do
    local v = values[i] or ''
    h[name] = v
    entry[#entry + 1] = name
    entry[#entry + 1] = v
  end
  entry[6] = cjson.encode(queue_ahead(id, h))
  emit(entry, h.cid)
end

-- ---- idempotency ---------------------------------------------------------------------------
-- Ends a script: publishes the touched deployments, records the outcome under the message id
-- (so a redelivery returns the same entries and changes nothing) and returns it.
local run_wakeups  -- defined in lib_queue.lua
local function done(status)
  run_wakeups()
  for _, id in ipairs(touched_order) do snapshot(id) end
  if MSG ~= '' then
    redis.call('SET', P .. ':msg:' .. MSG, cjson.encode({ status, out_ids }), 'EX', 604800)
  end
  return { status, out }
end

-- The recorded outcome of this message, with those of its outbox entries not yet published.
local function replay()
  if MSG == '' then return nil end
  local prev = redis.call('GET', P .. ':msg:' .. MSG)
  if not prev then return nil end
  local r = cjson.decode(prev)
  local entries = {}
  if type(r[2]) == 'table' then
    for _, xid in ipairs(r[2]) do
      local e = redis.call('XRANGE', P .. ':outbox', xid, xid)
      if e[1] then
        entries[#entries + 1] = e[1][1]
        entries[#entries + 1] = e[1][2]
      end
    end
  end
  return { 'duplicate', entries }
end
