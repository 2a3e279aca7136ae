-- plan.requested: a pull-request plan of one root. No queue, no lock: dispatched at once. A
-- newer head commit cancels the older plan of the same pull request and root. ARGV[5]: JSON
-- {id, root_key, repo_name, repo, root, root_name, revision, pull_number, head_ref, trigger,
-- user}.
local seen = replay()
if seen then return seen end
local q = cjson.decode(ARGV[5])
local id = q.id
if redis.call('EXISTS', dk(id)) == 1 then return done('ok') end
local pr = P .. ':pr:' .. q.repo_name .. '#' .. q.pull_number
local current_key = pr .. ':root:' .. q.root_name
local current = redis.call('GET', current_key)
if current then
  local h = load(current)
  if h.kind and not TERMINAL[h.state] then
    if h.revision == q.revision then return done('ok') end  -- that head is being planned
    finish(current, 'cancelled', 'superseded by a newer commit ' .. short(q.revision), {})
  end
end
redis.call('HSET', dk(id), 'kind', 'plan', 'root_key', q.root_key, 'repo_name', q.repo_name,
           'repo', q.repo, 'root', q.root, 'root_name', q.root_name, 'revision', q.revision,
           'ref', q.head_ref, 'trigger', q.trigger, 'user', q.user, 'cid', CID,
           'state', 'queued', 'phase', 'queue', 'seq', 0, 'created_at', ms(NOW), 'fence', 0,
           'attempt', 0, 'pull_number', q.pull_number, 'approvals', '[]')
redis.call('SET', current_key, id)
redis.call('EXPIRE', current_key, RETAIN_S)
redis.call('SADD', pr .. ':plans', id)
redis.call('SET', P .. ':repo:' .. q.repo_name, q.repo)
start_job(id)
return done('ok')
