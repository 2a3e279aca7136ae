// The log of one deployment in this executor's hands (strata/job_log_store.hpp): each line goes
// to the Redis stream P:log:<deployment id> (capped at max_lines, approximately) as it arrives,
// and is kept in memory until the job ends, when store_job() puts it in the durable store. Lines
// arrive redacted already. Loop thread; the store is written on the thread pool.
//
// A line that Redis did not take is still stored (the live view misses it); a store that fails
// is logged, never retried: a log never holds up a deployment.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "strata/job_log_store.hpp"
#include "strata/loop.hpp"
#include "strata/redis.hpp"

namespace strata::executor {

struct LiveLogSettings {
    std::string redis_prefix;
    long long max_lines = 20'000;
    std::chrono::milliseconds ttl{8LL * 24 * 3600 * 1000};
    std::size_t max_stored_bytes = 64 * 1024 * 1024;  // per job; beyond, lines are dropped
};

class LiveLog {
public:
    LiveLog(Loop& loop, RedisClient& redis, std::shared_ptr<JobLogStore> store,
            LiveLogSettings settings, std::string deployment_id);

    // Lines from now on belong to job_id (a new buffer for the store).
    void begin_job(const std::string& job_id);
    void line(const std::string& text);
    // Puts the current job's lines in the store; done runs on the loop thread.
    void store_job(std::function<void()> done = nullptr);
    // Marks the end of the deployment's output in the stream (the page stops following it).
    void end();

private:
    void expire();

    Loop& loop_;
    RedisClient& redis_;
    std::shared_ptr<JobLogStore> store_;
    LiveLogSettings settings_;
    std::string deployment_id_;
    std::string key_;
    std::string job_id_;
    std::string buffer_;
    bool truncated_ = false;
    bool expire_due_ = false;
};

}  // namespace strata::executor
