-- Records this executor's lease on a job (docs/job-protocol.md, "Executor side" 1).
-- KEYS: P:dep:<deployment>, P:lease:<job_id>, P:leases, P:lease:<replaced job_id>
-- ARGV: executor, fence, kind, deployment, job_id, replaced job_id ('' = none)
-- Returns 'ok'; 'stale' when the deployment's fence is not the job's; 'taken' when the lease
-- exists already, whoever holds it and however old it is: a job is taken once (a lease left by a
-- dead executor is the sweeper's to handle). The replaced lease (the held plan's, when its apply
-- is taken) is deleted in the same step, and only when this executor holds it: another's lease
-- is never touched. renewed_at is Redis' clock (TIME), the sweeper's.
local fence = redis.call('HGET', KEYS[1], 'fence')
if not fence or tonumber(fence) ~= tonumber(ARGV[2]) then return 'stale' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'taken' end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[2], 'executor', ARGV[1], 'fence', ARGV[2], 'kind', ARGV[3],
           'deployment', ARGV[4], 'renewed_at', now)
redis.call('ZADD', KEYS[3], now, ARGV[5])
if ARGV[6] ~= '' and redis.call('HGET', KEYS[4], 'executor') == ARGV[1] then
  redis.call('DEL', KEYS[4])
  redis.call('ZREM', KEYS[3], ARGV[6])
end
return 'ok'
