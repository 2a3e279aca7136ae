// The notifier's Redis state (docs/redis-keys.md): what each channel already delivered, so a
// redelivered or late message changes nothing, and short per-key locks, so that several
// notifier instances never work on the same check run, comment or deployment at once (which
// could let an older state overwrite a newer one).
//
// A lock is taken and the keys an attempt needs are read in one script (claim); the attempt's
// results are written and the lock released in another (commit), which writes nothing when the
// lock was lost meanwhile (it outlived lock_ttl). Loop thread only.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "strata/redis.hpp"

namespace strata::notifier {

class NotifierStore {
public:
    NotifierStore(RedisClient& redis, std::string prefix, std::chrono::milliseconds lock_ttl);

    // "<prefix>:notifier:<what>:<id>"
    std::string key(const std::string& what, const std::string& id) const;
    // "<prefix>:notifier:<name>"
    std::string key(const std::string& name) const;

    // The values of `keys` ("" when absent) with the lock `name` held by this instance; nullopt
    // when another instance holds it.
    using Values = std::vector<std::string>;
    void claim(const std::string& name, std::vector<std::string> keys,
               std::function<void(Result<std::optional<Values>>)> done);

    struct Write {
        std::string key;
        std::string value;            // "" deletes the key
        std::chrono::seconds ttl{0};  // 0: no expiry
    };
    // Writes and releases; false when the lock had been lost (nothing written).
    void commit(const std::string& name, std::vector<Write> writes,
                std::function<void(Result<bool>)> done);
    // Writes and keeps the lock (progress within one attempt).
    void save(const std::string& name, std::vector<Write> writes,
              std::function<void(Result<bool>)> done);
    void release(const std::string& name);

    RedisClient& redis() { return redis_; }

private:
    void write(const std::string& name, std::vector<Write> writes, bool release,
               std::function<void(Result<bool>)> done);

    RedisClient& redis_;
    std::string prefix_;
    std::string owner_;  // this instance's lock token
    std::chrono::milliseconds lock_ttl_;
};

}  // namespace strata::notifier
