-- Unlock: merge items of the named queues may pop again. ARGV[5]: JSON {dep | roots | all,
-- repo, repo_name, user}: dep names a deployment of the root (the check run's Unlock button),
-- roots lists root keys (CLI, trigger), all unlocks every locked root of repo_name (a PR
-- comment without arguments). Refused, with the reason, when nothing was locked.
local seen = replay()
if seen then return seen end
local q = cjson.decode(ARGV[5])
q.repo = repo_of(q.repo_name, q.repo)
local roots = {}
if q.dep ~= '' then
  local R = field(q.dep, 'root_key')
  if not R then
    refuse(q.repo, '', '', 'unlock', q.user, 'there is no deployment ' .. q.dep, q.dep)
    return done('refused')
  end
  roots[1] = R
elseif q.all then
  for _, name in ipairs(redis.call('SMEMBERS', P .. ':repo:' .. q.repo_name .. ':roots')) do
    roots[#roots + 1] = q.repo_name .. '||' .. name
  end
else
  roots = q.roots
end
local unlocked = 0
for _, R in ipairs(roots) do
  if is_locked(R) then
    unlock_root(R, q.user)
    wake_root(R)
    unlocked = unlocked + 1
  end
end
if unlocked == 0 then
  local what = #roots == 1 and ('the queue of ' .. root_name_of(roots[1])) or
      ('no queue of ' .. q.repo_name)
  refuse(q.repo, #roots == 1 and root_name_of(roots[1]) or '', '', 'unlock', q.user,
         what .. (#roots == 1 and ' is not locked' or ' is locked'), q.dep)
  return done('refused')
end
return done('ok')
