-- Drops this executor's lease on a job that ended (docs/job-protocol.md, "Executor side" 4).
-- KEYS: P:lease:<job_id>, P:leases
-- ARGV: executor, job_id
-- Returns 1 when it was this executor's and is gone now, else 0 (nothing is touched).
if redis.call('HGET', KEYS[1], 'executor') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
