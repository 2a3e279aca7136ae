-- deploy.requested: queue a deployment of one root. ARGV[5]: the request as JSON (fields in
-- deployment_store.cpp), with the settings it runs with (the operator's policy combined with the
-- repository's, scheduler_config.hpp effective_policy): recorded here, never looked up again. Refuses a rerun of anything but the last attempted revision, and a
-- manual deploy of a revision already waiting in the manual queue or in flight.
local seen = replay()
if seen then return seen end
local q = cjson.decode(ARGV[5])
local id, R = q.id, q.root_key
if redis.call('EXISTS', dk(id)) == 1 then return done('ok') end

local request = q.rerun and 'rerun' or 'deploy'
if q.rerun then
  local last = redis.call('GET', rk(R, 'last_attempted'))
  if last and last ~= q.revision then
    refuse(q.repo, q.root_name, q.revision, request, q.user,
           'Reruns are only supported on the most recent deploy (' .. short(last) .. ')', '')
    return done('refused')
  end
end
if q.trigger == 'manual' then
  local inflight = redis.call('GET', rk(R, 'inflight'))
  if inflight and field(inflight, 'revision') == q.revision then
    refuse(q.repo, q.root_name, q.revision, request, q.user,
           'a deployment of ' .. short(q.revision) .. ' is already in progress', inflight)
    return done('refused')
  end
  for _, other in ipairs(waiting(R, 'manual')) do
    if field(other, 'revision') == q.revision then
      refuse(q.repo, q.root_name, q.revision, request, q.user,
             'a deployment of ' .. short(q.revision) .. ' is already queued', other)
      return done('refused')
    end
  end
end

redis.call('HSET', dk(id), 'kind', 'deploy', 'root_key', R, 'repo_name', q.repo_name,
           'repo', q.repo, 'root', q.root, 'root_name', q.root_name, 'revision', q.revision,
           'ref', q.ref, 'trigger', q.trigger, 'user', q.user, 'rerun', q.rerun and 1 or 0,
           'force', q.force and 1 or 0, 'request_reason', q.request_reason,
           'upstream', cjson.encode(q.upstream), 'cid', CID, 'state', 'queued', 'phase', 'queue',
           'seq', 0, 'created_at', ms(NOW), 'fence', 0, 'attempt', 0, 'approvals', '[]',
           'approvers_required', q.approvers_required, 'allowed', q.allowed,
           'review_timeout_ms', q.review_timeout_ms, 'pull_number', 0,
           'review_mode', q.review_mode or 'auto',
           'apply_enabled', q.apply_enabled == false and 0 or 1,
           'apply_timeout', q.apply_timeout or '', 'policy_note', q.policy_note or '',
           'reason', q.policy_note or '')

-- Coalescing: a new merge item supersedes every merge item still waiting.
if q.trigger == 'merge' and q.coalesce then
  for _, other in ipairs(waiting(R, 'merge')) do
    set_fields(other, 'superseded_by', id)
    finish(other, 'skipped', 'superseded by ' .. short(q.revision) .. ' (deployment ' .. id .. ')',
           {})
  end
end

redis.call('RPUSH', rk(R, 'queue:' .. q.trigger), id)
redis.call('SET', rk(R, 'rev:' .. q.revision), id)
redis.call('SADD', P .. ':repo:' .. q.repo_name .. ':roots', q.root_name)
redis.call('SET', P .. ':repo:' .. q.repo_name, q.repo)
if q.expiry_ms > 0 then redis.call('ZADD', P .. ':timers:expiry', ms(NOW + q.expiry_ms), id) end
if q.trigger == 'manual' then
  lock_root(R, id, q.revision, q.user)
  touch_waiting(R)  -- merge items now have it ahead of them
elseif is_locked(R) then
  set_fields(id, 'state', 'locked')
end
touch(id)
wake_root(R)
return done('ok')
