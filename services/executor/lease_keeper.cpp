#include "lease_keeper.hpp"

#include "executor_lua_embedded.hpp"
#include "strata/log.hpp"

namespace strata::executor {

using Clock = std::chrono::steady_clock;

LeaseKeeper::LeaseKeeper(Loop& loop, RedisClient& redis, std::string prefix,
                         std::string executor_id, std::chrono::milliseconds heartbeat_interval,
                         std::chrono::milliseconds lease_timeout)
    : loop_(loop),
      redis_(redis),
      prefix_(std::move(prefix)),
      executor_id_(std::move(executor_id)),
      heartbeat_interval_(heartbeat_interval),
      lease_timeout_(lease_timeout),
      timer_(loop) {
    redis_.register_script("executor_take_lease", std::string(executor_lua_take_lease()));
    redis_.register_script("executor_renew_lease", std::string(executor_lua_renew_lease()));
    redis_.register_script("executor_release_lease", std::string(executor_lua_release_lease()));
    timer_.start_repeating(heartbeat_interval_, [this] { renew_all(); });
}

LeaseKeeper::~LeaseKeeper() { *alive_ = false; }

void LeaseKeeper::take(const Lease& lease, const std::string& replaces,
                       std::function<void(Result<TakeOutcome>)> done) {
    redis_.eval("executor_take_lease",
                {key("dep:" + lease.deployment_id), key("lease:" + lease.job_id), key("leases"),
                 key("lease:" + (replaces.empty() ? lease.job_id : replaces))},
                {executor_id_, std::to_string(lease.fence), lease.kind, lease.deployment_id,
                 lease.job_id, replaces},
                [done = std::move(done)](Result<RedisReply> reply) {
                    if (!reply) return done(reply.error().context("recording the lease"));
                    if (reply->str == "ok") return done(TakeOutcome::Taken);
                    if (reply->str == "stale") return done(TakeOutcome::Stale);
                    if (reply->str == "taken") return done(TakeOutcome::HeldElsewhere);
                    done(make_error("recording the lease: unexpected answer '" + reply->str + "'"));
                });
}

void LeaseKeeper::keep(const Lease& lease, std::function<void()> on_lost) {
    kept_[lease.job_id] = Kept{lease, std::move(on_lost), Clock::now(), false};
}

void LeaseKeeper::release(const std::string& job_id, std::function<void()> done) {
    kept_.erase(job_id);
    redis_.eval(
        "executor_release_lease", {key("lease:" + job_id), key("leases")}, {executor_id_, job_id},
        [job_id, done = std::move(done)](Result<RedisReply> r) {
            // Left behind, the sweeper finds it; a finished deployment ignores it.
            if (!r)
                log::warn("dropping a lease", {{"job_id", job_id}, {"error", r.error().message}});
            if (done) done();
        });
}

void LeaseKeeper::forget(const std::string& job_id) { kept_.erase(job_id); }

void LeaseKeeper::renew_all() {
    auto now = Clock::now();
    std::vector<std::string> overdue;
    for (auto& [job_id, kept] : kept_) {
        if (now - kept.renewed >= lease_timeout_) {
            overdue.push_back(job_id);
            continue;
        }
        if (kept.renewing) continue;  // the previous renewal has not answered yet
        kept.renewing = true;
        const auto& l = kept.lease;
        auto sent = Clock::now();
        redis_.eval("executor_renew_lease",
                    {key("dep:" + l.deployment_id), key("lease:" + l.job_id), key("leases")},
                    {executor_id_, std::to_string(l.fence), l.job_id},
                    [this, alive = alive_, job_id = l.job_id, sent](Result<RedisReply> reply) {
                        if (!*alive) return;
                        auto it = kept_.find(job_id);
                        if (it == kept_.end()) return;
                        it->second.renewing = false;
                        if (!reply) {
                            log::warn("renewing a lease",
                                      {{"job_id", job_id}, {"error", reply.error().message}});
                            return;  // retried at the next heartbeat, until lease_timeout
                        }
                        if (reply->str == "ok") {
                            it->second.renewed = sent;
                            return;
                        }
                        lost(job_id, reply->str == "stale" ? "the deployment's fence moved on"
                                                           : "another holder has the lease");
                    });
    }
    for (const auto& job_id : overdue)
        lost(job_id, "no renewal succeeded within the lease timeout");
}

void LeaseKeeper::lost(const std::string& job_id, const std::string& why) {
    auto it = kept_.find(job_id);
    if (it == kept_.end()) return;
    auto on_lost = std::move(it->second.on_lost);
    kept_.erase(it);
    log::warn("lease lost", {{"job_id", job_id}, {"reason", why}});
    if (on_lost) on_lost();
}

}  // namespace strata::executor
