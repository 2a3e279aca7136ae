-- Confirm or Reject of a plan awaiting review. ARGV[5]: JSON {action, dep | roots, repo,
-- repo_name, user, reason, teams}: teams maps each team (org/slug, lower case) of the reviewers
-- to "member", "not_member" or "error: <why>" (asked of GitHub before this script); dep from a check-run button or the CLI, or roots (root keys: the
-- deployment of each root awaiting review; the CLI by root, a `strata confirm <root>...` comment).
-- Refused, with the reason, when nothing awaits review there or the user may not review it.
-- Enough distinct approvers (per root) confirm; one Reject rejects. Status: ok when at least one
-- deployment took the review, else refused.
local seen = replay()
if seen then return seen end
local q = cjson.decode(ARGV[5])
q.repo = repo_of(q.repo_name, q.repo)

-- Refuses the review of one deployment, or returns nil when the user may review it.
local function refusal(id, h)
  if h.kind == nil then return 'there is no deployment ' .. id end
  if h.state ~= 'awaiting_review' then
    return 'the deployment is ' .. h.state .. ', not awaiting review'
  end
  local allowed = cjson.decode(h.allowed or '[]')
  if type(allowed) == 'table' and #allowed > 0 then
    local ok, unchecked, why = false, nil, nil
    local teams = type(q.teams) == 'table' and q.teams or {}
    for _, who in ipairs(allowed) do
      local w = string.lower(who)
      if w == string.lower(q.user) then
        ok = true
      elseif string.find(w, '/', 1, true) then
        local verdict = teams[w]
        if verdict == 'member' then
          ok = true
        elseif verdict ~= 'not_member' and unchecked == nil then
          unchecked = who
          why = type(verdict) == 'string' and string.gsub(verdict, '^error: ', '') or 'not checked'
        end
      end
    end
    -- Never accepted on doubt: a team GitHub did not answer for refuses, and says to retry.
    if not ok and unchecked then
      return 'could not check whether ' .. q.user .. ' is a member of ' .. unchecked ..
             ' (' .. why .. '); try again'
    end
    if not ok then return q.user .. ' may not review deployments of ' .. h.root_name end
  end
  return nil
end

-- Applies the review to deployment id; true when it took it.
local function review_one(id)
  local h = load(id)
  local why = refusal(id, h)
  if why then
    refuse(h.repo or q.repo, h.root_name or '', h.revision or '', q.action, q.user, why, id)
    return false
  end
  if q.action == 'reject' then
    local by = 'rejected by ' .. q.user .. ((q.reason or '') ~= '' and (': ' .. q.reason) or '')
    finish(id, 'rejected', by, { discard = h.plan_lost ~= '1' })
    return true
  end
  local approvals = cjson.decode(h.approvals or '[]')
  if type(approvals) ~= 'table' then approvals = {} end
  for _, who in ipairs(approvals) do
    if string.lower(who) == string.lower(q.user) then
      refuse(h.repo, h.root_name, h.revision, 'confirm', q.user,
             q.user .. ' has already confirmed this plan', id)
      return false
    end
  end
  approvals[#approvals + 1] = q.user
  set_fields(id, 'approvals', cjson.encode(approvals))
  local required = tonumber(h.approvers_required) or 1
  if #approvals < required then
    set_fields(id, 'reason', #approvals .. ' of ' .. required .. ' confirmations')
    touch(id)
    return true
  end
  redis.call('ZREM', P .. ':timers:review', id)
  set_fields(id, 'state', 'confirmed', 'reason', '', 'approved_at', ms(NOW),
             'confirmed_plan', h.plan or '')
  if h.plan_lost == '1' then
    set_fields(id, 'plan_lost', 0)
    start_job(id)  -- its executor is gone: plan again, apply if the plan is the same
  else
    start_apply(id, h.executor)
  end
  touch(id)
  return true
end

local took = 0
if (q.dep or '') ~= '' then
  if review_one(q.dep) then took = took + 1 end
else
  local roots = q.roots or {}
  if #roots == 0 then
    refuse(q.repo, '', '', q.action, q.user,
           'name the roots to ' .. q.action .. ': strata ' .. q.action .. ' <root>...', '')
  end
  for _, R in ipairs(roots) do
    local id = redis.call('GET', rk(R, 'inflight')) or ''
    if id == '' or field(id, 'state') ~= 'awaiting_review' then
      refuse(q.repo, root_name_of(R), '', q.action, q.user,
             'no deployment of ' .. root_name_of(R) .. ' is awaiting review', '')
    elseif review_one(id) then
      took = took + 1
    end
  end
end
return done(took > 0 and 'ok' or 'refused')
