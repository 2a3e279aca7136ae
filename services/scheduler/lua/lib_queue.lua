-- The per-root queue: two FIFO lists (manual before merge), the lock for merge items, one
-- deployment in flight, and the jobs sent to executors (docs/job-protocol.md).

local function set_fields(id, ...) redis.call('HSET', dk(id), ...) end

local function waiting(R, which)
  return redis.call('LRANGE', rk(R, 'queue:' .. which), 0, -1)
end

-- Every waiting deployment of R changed position (something left or jumped ahead).
local function touch_waiting(R)
  for _, which in ipairs({ 'manual', 'merge' }) do
    for i, id in ipairs(waiting(R, which)) do
      if i > QUEUE_SHOWN then break end
      touch(id)
    end
  end
end

local function is_locked(R) return redis.call('EXISTS', rk(R, 'lock')) == 1 end

-- A manual deploy locks the queue for merge items; every waiting merge item shows `locked`.
local function lock_root(R, id, revision, user)
  local was = is_locked(R)
  redis.call('HSET', rk(R, 'lock'), 'deployment', id, 'revision', revision, 'user', user or '',
             'at', ms(NOW))
  if was then return end
  redis.call('ZADD', P .. ':locked', ms(NOW), R)
  for _, other in ipairs(waiting(R, 'merge')) do
    set_fields(other, 'state', 'locked')
    touch(other)
  end
end

local function unlock_root(R, user)
  redis.call('DEL', rk(R, 'lock'))
  redis.call('ZREM', P .. ':locked', R)
  for _, other in ipairs(waiting(R, 'merge')) do
    set_fields(other, 'state', 'queued', 'unlocked_by', user or '')
    touch(other)
  end
end

-- job.run for deployment id: kind deploy|plan to the shared work queue, apply|discard to the
-- queue of the executor holding the plan.
local function emit_job(id, kind, job_id, fence, routing)
  local h = fields_of(id, 'attempt', 'repo', 'root', 'revision', 'last_attempted', 'pull_number',
                      'cid', 'apply_timeout')
  emit({ 't', 'job', 'dep', id, 'kind', kind, 'job_id', job_id, 'fence', fence,
         'attempt', h.attempt or '1', 'routing', routing, 'repo', h.repo, 'root', h.root,
         'revision', h.revision, 'last_attempted', h.last_attempted or '',
         'pull_number', h.pull_number or '0', 'apply_timeout', h.apply_timeout or '' }, h.cid)
end

-- Dispatches a deploy or plan job of id with a new fencing token (INCR per root).
local function start_job(id)
  local h = fields_of(id, 'root_key', 'kind', 'attempt', 'started_at')
  local fence = redis.call('INCR', rk(h.root_key, 'fence'))
  local job_id = id .. ':' .. fence
  local attempt = (tonumber(h.attempt) or 0) + 1
  local last = ''
  if h.kind == 'deploy' then last = redis.call('GET', rk(h.root_key, 'last_attempted')) or '' end
  set_fields(id, 'fence', fence, 'job_id', job_id, 'attempt', attempt, 'phase', 'plan',
             'last_attempted', last, 'apply_job_id', '', 'wait_reason', '')
  if (h.started_at or '') == '' then set_fields(id, 'started_at', ms(NOW)) end
  emit_job(id, h.kind, job_id, fence, 'job.run')
  touch(id)
end

-- Sends the apply of the plan held by `executor` (same fence as the deploy job).
local function start_apply(id, executor)
  local h = fields_of(id, 'job_id', 'fence')
  local job_id = h.job_id .. ':apply'
  set_fields(id, 'phase', 'apply', 'apply_job_id', job_id)
  emit_job(id, 'apply', job_id, h.fence, 'job.run.' .. executor)
  touch(id)
end

-- Tells the executor holding id's plan to drop it (rejected, empty plan, review timed out).
local function discard_plan(id, h)
  if (h.executor or '') == '' or (h.job_id or '') == '' then return end
  emit_job(id, 'discard', h.job_id .. ':discard', h.fence, 'job.run.' .. h.executor)
end

-- ---- cross-root order ----------------------------------------------------------------------
-- The outcome of root U's deployment of revision: 'ok' (succeeded, or superseded by a later
-- deployment that succeeded), 'wait' (pending or not requested yet), or 'blocked' and why.
local function upstream_status(U, revision)
  local id = redis.call('GET', rk(U, 'rev:' .. revision))
  for _ = 1, 100 do
    if not id then return 'wait' end
    local f = redis.call('HMGET', dk(id), 'state', 'superseded_by')
    local state, next_id = f[1], f[2]
    if not state then return 'wait' end
    if state == 'succeeded' then return 'ok' end
    if state == 'skipped' and next_id and next_id ~= '' then
      id = next_id
    elseif TERMINAL[state] then
      return 'blocked', state
    else
      return 'wait'
    end
  end
  return 'wait'
end

local function root_name_of(U) return string.match(U, '||(.*)$') or U end

-- 'go', 'wait' (with the upstream root waited for) or 'skip' (with the reason) for id.
local function upstream_gate(id, h)
  local ups = cjson.decode(h.upstream or '[]')
  if type(ups) ~= 'table' then return 'go' end
  for _, up in ipairs(ups) do
    local U = h.repo_name .. '||' .. up
    local status, why = upstream_status(U, h.revision)
    if status == 'wait' then
      redis.call('SADD', rk(U, 'dependents'), h.root_key)
      return 'wait', 'waiting for ' .. up .. ' to deploy ' .. short(h.revision) .. ' first'
    elseif status == 'blocked' then
      return 'skip', 'upstream root ' .. up .. ' did not deploy ' .. short(h.revision) .. ' (' ..
          why .. ')'
    end
  end
  return 'go'
end

-- ---- dispatch ------------------------------------------------------------------------------
-- can_pop: a manual item waits, or the queue is unlocked and not empty.
local function next_candidate(R)
  local id = redis.call('LINDEX', rk(R, 'queue:manual'), 0)
  if id then return id, 'manual' end
  if is_locked(R) then return nil end
  id = redis.call('LINDEX', rk(R, 'queue:merge'), 0)
  if id then return id, 'merge' end
  return nil
end

local finish  -- defined in lib_finish.lua

-- Starts the next deployment of R when none is in flight and one may pop.
local function dispatch(R)
  for _ = 1, 1000 do
    if redis.call('EXISTS', rk(R, 'inflight')) == 1 then return end
    local id, which = next_candidate(R)
    if not id then return end
    local h = fields_of(id, 'upstream', 'repo_name', 'revision', 'root_key', 'wait_reason',
                        'policy_note')
    local verdict, why = upstream_gate(id, h)
    if verdict == 'wait' then
      if h.wait_reason ~= why then
        set_fields(id, 'wait_reason', why, 'reason', why)
        touch(id)
      end
      return
    end
    redis.call('LPOP', rk(R, 'queue:' .. which))
    if verdict == 'skip' then
      finish(id, 'skipped', why, {})
    else
      redis.call('SET', rk(R, 'inflight'), id)
      redis.call('ZREM', P .. ':timers:expiry', id)
      set_fields(id, 'reason', h.policy_note or '')  -- what of strata.yaml was not honoured
      start_job(id)
      touch_waiting(R)
      return
    end
  end
end

-- Roots to re-examine before the script ends (a root freed, an upstream finished, ...).
local wake_list, wake_set = {}, {}
local function wake_root(R)
  if not wake_set[R] then
    wake_set[R] = true
    wake_list[#wake_list + 1] = R
  end
end

-- Roots whose next deployment waits for one of R's: examine them again.
local function wake_dependents(R)
  local deps = redis.call('SMEMBERS', rk(R, 'dependents'))
  if #deps == 0 then return end
  redis.call('DEL', rk(R, 'dependents'))
  for _, D in ipairs(deps) do wake_root(D) end
end

run_wakeups = function()
  local i = 1
  while i <= #wake_list and i <= 10000 do
    local R = wake_list[i]
    wake_set[R] = nil
    dispatch(R)
    i = i + 1
  end
end
