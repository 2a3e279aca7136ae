-- Reads one deployment (tests, status queries). ARGV[5]: its id. Returns {hash as flat
-- field/value list, queue ahead as flat id/revision/trigger triples}.
local id = ARGV[5]
local h = load(id)
local ahead = {}
for _, a in ipairs(queue_ahead(id, h)) do
  ahead[#ahead + 1] = a.id
  ahead[#ahead + 1] = a.revision
  ahead[#ahead + 1] = a.trigger
end
return { redis.call('HGETALL', dk(id)), ahead }
