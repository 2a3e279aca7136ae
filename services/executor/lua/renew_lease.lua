-- Renews this executor's lease on a job (docs/job-protocol.md, "Executor side" 2).
-- KEYS: P:dep:<deployment>, P:lease:<job_id>, P:leases
-- ARGV: executor, fence, job_id
-- Returns 'ok'; 'lost' when the lease is gone or another executor's (the sweeper took it);
-- 'stale' when the deployment's fence is no longer the job's (the lease is dropped then).
if redis.call('HGET', KEYS[2], 'executor') ~= ARGV[1] then return 'lost' end
local fence = redis.call('HGET', KEYS[1], 'fence')
if not fence or tonumber(fence) ~= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[3], ARGV[3])
  return 'stale'
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[2], 'renewed_at', now)
redis.call('ZADD', KEYS[3], now, ARGV[3])
return 'ok'
