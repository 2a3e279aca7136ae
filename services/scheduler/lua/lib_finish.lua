-- Ending a deployment, and the shared parts of the steps executors and people take.

-- Ends id in a terminal state. opts.attempted: the root's last attempted revision becomes its
-- revision (it was planned or applied; a failed apply counts too). opts.discard: the executor
-- holding its plan is told to drop it. The deployment's fence becomes 0, so every job of it
-- still around is stale (docs/job-protocol.md).
finish = function(id, state, reason, opts)
  local h = fields_of(id, 'kind', 'state', 'phase', 'root_key', 'trigger', 'revision',
                      'repo_name', 'pull_number', 'executor', 'job_id', 'fence', 'policy_note')
  if h.kind == nil or TERMINAL[h.state] then return end
  if opts.discard then discard_plan(id, h) end
  -- The final state still says what of the repository's settings was not honoured.
  local note = h.policy_note or ''
  if note ~= '' and not string.find(reason or '', note, 1, true) then
    reason = ((reason or '') ~= '' and (reason .. ' (' .. note .. ')')) or note
  end
  set_fields(id, 'state', state, 'reason', reason or '', 'phase', 'done', 'finished_at', ms(NOW),
             'fence', 0, 'wait_reason', '')
  redis.call('ZREM', P .. ':timers:review', id)
  redis.call('ZREM', P .. ':timers:expiry', id)
  if h.kind == 'plan' then
    redis.call('SREM', P .. ':pr:' .. h.repo_name .. '#' .. h.pull_number .. ':plans', id)
  else
    local R = h.root_key
    if h.phase == 'queue' then
      -- Leaving without running (skipped, expired): out of its queue.
      redis.call('LREM', rk(R, 'queue:' .. h.trigger), 0, id)
      touch_waiting(R)
    end
    if redis.call('GET', rk(R, 'inflight')) == id then
      redis.call('DEL', rk(R, 'inflight'))
      wake_root(R)
    end
    if opts.attempted then
      redis.call('SET', rk(R, 'last_attempted'), h.revision)
      redis.call('SET', rk(R, 'last_attempted_trigger'), h.trigger)
    end
    wake_dependents(R)
    redis.call('EXPIRE', rk(R, 'rev:' .. h.revision), RETAIN_S)
  end
  redis.call('EXPIRE', dk(id), RETAIN_S)
  touch(id)
end

-- A deploy or plan job that never finished planning runs again, within max_attempts.
local function plan_again(id, h, max_attempts, why)
  if (tonumber(h.attempt) or 0) >= max_attempts then
    finish(id, 'failed', why .. '; gave up after ' .. (h.attempt or '0') .. ' attempts', {})
    return
  end
  set_fields(id, 'state', 'queued', 'reason', why .. '; planning again', 'executor', '')
  start_job(id)
end

-- The executor holding id's plan is gone or handed it back: the plan is lost. Before the apply
-- was sent, a Confirm (or one that came already) plans again; the plan then applies without a
-- second review only when it equals the one confirmed.
local function plan_lost(id, h, why)
  if h.phase == 'review' then
    set_fields(id, 'plan_lost', 1, 'fence', 0, 'executor', '',
               'reason', why .. '; Confirm plans it again')
    touch(id)
  else
    local state = (h.confirmed_plan or '') ~= '' and 'confirmed' or 'queued'
    set_fields(id, 'state', state, 'reason', why .. '; planning again', 'executor', '')
    start_job(id)
  end
end

-- A plan of id exists (reported by executor). Decides what follows: no changes -> succeeded;
-- review -> awaiting_review; else the apply goes to that executor.
local function after_plan(id, changes, executor)
  local h = load(id)
  if h.kind == 'plan' then
    finish(id, 'succeeded', '', {})
    return
  end
  if not changes then
    finish(id, 'succeeded', 'no changes', { attempted = true, discard = true })
    return
  end
  -- strata.yaml apply.enabled: false: plan only. Not an attempt (nothing was applied).
  if h.apply_enabled == '0' then
    finish(id, 'skipped', 'apply is disabled for this root in strata.yaml (apply.enabled: ' ..
           'false): planned, not applied', { discard = true })
    return
  end
  -- review_mode (recorded at enqueue): auto = the rules below; always = every deploy waits;
  -- never = none waits (the operator allowed the waiver), unless the order is unknown.
  local mode = h.review_mode or 'auto'
  local note = h.policy_note or ''
  local confirmed = h.confirmed_plan or ''
  if confirmed ~= '' then
    if confirmed == h.plan then
      set_fields(id, 'state', 'confirmed', 'reason', '')
      start_apply(id, executor)
      return
    end
    set_fields(id, 'confirmed_plan', '', 'approvals', '[]', 'approved_at', '')
    h.reason = 'the new plan differs from the one confirmed; review it again'
  elseif mode == 'always' then
    h.reason = 'strata.yaml requires a review of every deploy of this root ' ..
        '(review.required: always)'
  elseif h.trigger == 'manual' and mode ~= 'never' then
    h.reason = 'manually triggered deploys must be confirmed'
  elseif h.revision_order == 'diverged' and mode ~= 'never' then
    h.reason = 'the revision diverged from the last attempted one (' ..
        short(h.last_attempted) .. ')'
  elseif (h.revision_order or '') == '' and (h.last_attempted or '') ~= '' then
    -- The executor's `planning` report (with the order) has not arrived: do not guess.
    h.reason = 'the revision order against ' .. short(h.last_attempted) .. ' is unknown'
  else
    set_fields(id, 'reason', note)
    start_apply(id, executor)
    return
  end
  if note ~= '' then h.reason = h.reason .. ' (' .. note .. ')' end
  set_fields(id, 'state', 'awaiting_review', 'phase', 'review', 'reason', h.reason,
             'plan_lost', 0)
  local timeout = tonumber(h.review_timeout_ms) or 0
  if timeout > 0 then redis.call('ZADD', P .. ':timers:review', ms(NOW + timeout), id) end
  touch(id)
end
