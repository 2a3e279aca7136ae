// The executor's leases in Redis (docs/job-protocol.md): P:lease:<job_id> and ZSET P:leases,
// changed only by the Lua scripts in lua/. Lives on the loop thread; callbacks run there.
//
// take() records a lease only while the deployment's fence is the job's and no lease of the job
// exists (a job is taken once, by one executor); keep() renews it every
// heartbeat_interval until release(); on_lost runs once (and the lease is forgotten) when Redis
// says it is no longer this executor's, when the fence moved on, or when no renewal succeeded for
// lease_timeout (the scheduler may already count it lost: the holder must assume so too).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "strata/loop.hpp"
#include "strata/redis.hpp"

namespace strata::executor {

struct Lease {
    std::string job_id;
    std::string deployment_id;
    std::string kind;  // deploy | plan | apply
    long long fence = 0;
};

enum class TakeOutcome { Taken, Stale, HeldElsewhere };

class LeaseKeeper {
public:
    LeaseKeeper(Loop& loop, RedisClient& redis, std::string prefix, std::string executor_id,
                std::chrono::milliseconds heartbeat_interval,
                std::chrono::milliseconds lease_timeout);
    ~LeaseKeeper();

    // replaces: the job id of a lease the new one supersedes, deleted with the take ("" = none).
    void take(const Lease& lease, const std::string& replaces,
              std::function<void(Result<TakeOutcome>)> done);
    // Renews the taken lease until release(); on_lost as described above.
    void keep(const Lease& lease, std::function<void()> on_lost);
    // Stops renewing and drops the lease in Redis (when it is still this executor's).
    void release(const std::string& job_id, std::function<void()> done = nullptr);
    // Stops renewing without touching Redis (the scheduler's sweeper will find it).
    void forget(const std::string& job_id);

    std::size_t held() const { return kept_.size(); }

private:
    struct Kept {
        Lease lease;
        std::function<void()> on_lost;
        std::chrono::steady_clock::time_point renewed;
        bool renewing = false;
    };

    void renew_all();
    void lost(const std::string& job_id, const std::string& why);
    std::string key(const std::string& what) const { return prefix_ + ":" + what; }

    Loop& loop_;
    RedisClient& redis_;
    std::string prefix_;
    std::string executor_id_;
    std::chrono::milliseconds heartbeat_interval_;
    std::chrono::milliseconds lease_timeout_;
    std::map<std::string, Kept> kept_;
    Timer timer_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace strata::executor
