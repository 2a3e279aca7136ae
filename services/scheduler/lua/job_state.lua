-- A state report from an executor. ARGV: P, message id, deployment id, fencing token, job state,
-- plan summary (JSON or ''), detail, executor id.
-- Returns {status, touched ids (csv), dispatched ids (csv)}; status 'stale' when the token is
-- not the deployment's current one or the deployment already finished.
local seen = replay()
if seen then return seen end
local id, fence, job_state = ARGV[3], ARGV[4], ARGV[5]
local plan, detail, executor = ARGV[6], ARGV[7], ARGV[8]
local dep = dk(id)
local current = redis.call('HGET', dep, 'fence')
local state = redis.call('HGET', dep, 'state')
if not current or current ~= fence or TERMINAL[state] then
  return remember('stale', {}, {})
end
local NEXT = { planning = 'planning', planned = 'planning', awaiting_review = 'awaiting_review',
               applying = 'applying', succeeded = 'succeeded', failed = 'failed',
               timed_out = 'timed_out' }
local next_state = NEXT[job_state]
if not next_state then return remember('invalid', {}, {}) end
if plan ~= '' then redis.call('HSET', dep, 'plan', plan) end
redis.call('HSET', dep, 'executor', executor)
set_state(id, next_state, detail)
local dispatched = {}
if TERMINAL[next_state] then
  local R = redis.call('HGET', dep, 'root_key')
  if redis.call('GET', rk(R, 'inflight')) == id then redis.call('DEL', rk(R, 'inflight')) end
  redis.call('SET', rk(R, 'last_attempted'), redis.call('HGET', dep, 'revision'))
  local d = dispatch(R)
  if d then dispatched[1] = d end
end
return remember('ok', { id }, dispatched)
