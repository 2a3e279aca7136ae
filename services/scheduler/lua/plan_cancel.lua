-- plan.cancelled: drop the unfinished plans of a pull request (closed, or superseded), or only
-- those of one revision. ARGV[5]: JSON {repo_name, pull_number, revision, reason}.
local seen = replay()
if seen then return seen end
local q = cjson.decode(ARGV[5])
local pr = P .. ':pr:' .. q.repo_name .. '#' .. q.pull_number
for _, id in ipairs(redis.call('SMEMBERS', pr .. ':plans')) do
  local revision = field(id, 'revision')
  if not revision then
    redis.call('SREM', pr .. ':plans', id)
  elseif q.revision == '' or q.revision == revision then
    finish(id, 'cancelled', q.reason ~= '' and q.reason or 'cancelled', {})
  end
end
return done('ok')
