-- The scheduler's timers, all kept in Redis so they survive restarts (run every sweep
-- interval; no message id: acting twice on the same state changes nothing). ARGV[5]: JSON
-- {lease_timeout_ms, max_attempts, limit}.
--  1. Leases (P:leases, scored by renewed_at, written by executors) older than the timeout:
--     a lost deploy/plan job before its plan runs again (bounded); a lost held plan awaiting
--     review is planned again on Confirm; anything lost once its apply was sent is timed_out
--     and never retried.
--  2. Reviews past their deadline (P:timers:review): review_timed_out, the plan discarded.
--  3. Queued deployments past their expiry (P:timers:expiry): skipped.
local q = cjson.decode(ARGV[5])
local limit = q.limit

local function drop_lease(job_id)
  redis.call('DEL', P .. ':lease:' .. job_id)
  redis.call('ZREM', P .. ':leases', job_id)
end

local stale = redis.call('ZRANGEBYSCORE', P .. ':leases', '-inf',
                         '(' .. ms(NOW - q.lease_timeout_ms), 'LIMIT', 0, limit)
for _, job_id in ipairs(stale) do
  local lease = redis.call('HMGET', P .. ':lease:' .. job_id, 'deployment', 'fence', 'kind',
                           'executor')
  local id, fence, kind, executor = lease[1], lease[2], lease[3], lease[4] or '?'
  local h = id and load(id) or {}
  drop_lease(job_id)
  if h.kind and not TERMINAL[h.state] and tostring(h.fence) == tostring(fence) and
      tonumber(h.fence) ~= 0 then
    local why = 'executor ' .. executor .. ' stopped renewing its lease'
    if kind == 'apply' or h.phase == 'apply' then
      local apply_lease = P .. ':lease:' .. (h.apply_job_id or '')
      local renewed = redis.call('HGET', apply_lease, 'renewed_at')
      if kind == 'apply' or not renewed or
          tonumber(renewed) < NOW - q.lease_timeout_ms then
        finish(id, 'timed_out', why .. ' while applying; not retried automatically: re-run ' ..
               'to deploy again', { attempted = true })
      end
      -- else: a held plan's lease left behind while its apply runs under its own lease.
    elseif kind == 'discard' then
      -- nothing to do: the deployment does not wait on a discard
    elseif h.phase == 'plan' then
      plan_again(id, h, q.max_attempts, why)
    elseif h.phase == 'review' then
      plan_lost(id, h, why)
    end
  end
end

for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. ':timers:review', '-inf', ms(NOW),
                               'LIMIT', 0, limit)) do
  local h = load(id)
  redis.call('ZREM', P .. ':timers:review', id)
  if h.state == 'awaiting_review' then
    finish(id, 'review_timed_out', 'nobody confirmed or rejected the plan in time',
           { discard = h.plan_lost ~= '1' })
  end
end

for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. ':timers:expiry', '-inf', ms(NOW),
                               'LIMIT', 0, limit)) do
  local h = load(id)
  redis.call('ZREM', P .. ':timers:expiry', id)
  if h.phase == 'queue' then finish(id, 'skipped', 'waited in the queue too long; expired', {}) end
end

return done('ok')
