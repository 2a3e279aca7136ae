-- job.state: a step reported by an executor. ARGV[5]: JSON {dep, fence, job_id, state, order,
-- plan, changes, detail, executor}. Status 'stale' (ignored) when the fencing token is not the
-- deployment's current one, the job is not its current job, or it already finished; 'invalid'
-- when the step makes no sense for that job.
local seen = replay()
if seen then return seen end
local s = cjson.decode(ARGV[5])
local id = s.dep
local h = load(id)
if h.kind == nil or TERMINAL[h.state] or tostring(h.fence) ~= tostring(s.fence) or
    tonumber(s.fence) == 0 then
  return done('stale')
end
local is_apply = (h.apply_job_id or '') ~= '' and s.job_id == h.apply_job_id
if not is_apply and s.job_id ~= h.job_id then return done('stale') end
set_fields(id, 'executor', s.executor)
local st = s.state

if is_apply then
  if st == 'started' then
    -- Taken; terraform apply has not started yet (it may still be handed back).
  elseif st == 'applying' then
    if h.state ~= 'applying' then
      set_fields(id, 'state', 'applying', 'reason', '', 'apply_started_at', ms(NOW))
      touch(id)
    end
  elseif st == 'succeeded' then
    finish(id, 'succeeded', s.detail, { attempted = true })
  elseif st == 'failed' then
    finish(id, 'failed', s.detail, { attempted = true })
  elseif st == 'released' and h.state ~= 'applying' then
    -- Handed back before terraform apply ran: the held plan went with it.
    plan_lost(id, h, 'executor ' .. s.executor .. ' handed the apply back unstarted')
  elseif st == 'released' then
    finish(id, 'timed_out', 'executor ' .. s.executor .. ' handed back an apply that had ' ..
           'started; not retried automatically: re-run to deploy again', { attempted = true })
  else
    return done('invalid')
  end
  return done('ok')
end

if h.phase == 'plan' then
  if st == 'started' then
    if h.state == 'queued' then
      set_fields(id, 'state', 'planning', 'reason', '')
      touch(id)
    end
  elseif st == 'planning' then
    set_fields(id, 'state', 'planning', 'reason', '', 'revision_order', s.order)
    if h.kind == 'deploy' and s.order == 'behind' and h.force ~= '1' then
      finish(id, 'failed', 'This revision is behind the current revision and will not be ' ..
             'deployed (last attempted: ' .. short(h.last_attempted) .. ').', {})
    elseif h.kind == 'deploy' and h.rerun == '1' and s.order ~= 'identical' and
        s.order ~= 'none' and s.order ~= '' then
      finish(id, 'failed', 'Reruns are only supported on the most recent deploy.', {})
    else
      touch(id)
    end
  elseif st == 'planned' then
    set_fields(id, 'plan', s.plan, 'state', 'planning')
    after_plan(id, s.changes, s.executor)
  elseif st == 'succeeded' then
    -- Done without a plan to hold (nothing to change).
    if s.plan ~= '' then set_fields(id, 'plan', s.plan) end
    finish(id, 'succeeded', s.detail, { attempted = h.kind == 'deploy' })
  elseif st == 'failed' then
    if s.plan ~= '' then set_fields(id, 'plan', s.plan) end
    finish(id, 'failed', s.detail, { attempted = h.kind == 'deploy' })
  elseif st == 'released' then
    set_fields(id, 'state', 'queued', 'reason', 'executor ' .. s.executor .. ' handed it back',
               'executor', '')
    start_job(id)
  else
    return done('invalid')
  end
  return done('ok')
end

-- The plan is held (awaiting review) or its apply was sent and not taken yet.
if st == 'released' then
  plan_lost(id, h, 'executor ' .. s.executor .. ' handed the plan back')
elseif st == 'failed' then
  finish(id, 'failed', s.detail, { attempted = true })
elseif st == 'started' or st == 'planning' or st == 'planned' then
  return done('stale')  -- a late report of a step already recorded
else
  return done('invalid')
end
return done('ok')
