#include "scheduler_harness.hpp"

#include <cstdio>
#include <stdexcept>

#include "outbox.hpp"
#include "support/test_servers.hpp"

namespace strata::scheduler::testing {
namespace {

using namespace std::chrono_literals;
using strata::testing::run_until;

// The executor side of docs/job-protocol.md, as a stand-in executor does it.
constexpr const char* kTakeLease = R"lua(
local P, job, ex, fence, kind, dep = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local held = string.match(job, '^(.*):[a-z]+$')
if kind == 'discard' then
  redis.call('DEL', P .. ':lease:' .. held)
  redis.call('ZREM', P .. ':leases', held)
  return 1
end
if tostring(redis.call('HGET', P .. ':dep:' .. dep, 'fence')) ~= fence then return 0 end
if redis.call('EXISTS', P .. ':lease:' .. job) == 1 then return 0 end  -- taken once only
if kind == 'apply' then
  redis.call('DEL', P .. ':lease:' .. held)
  redis.call('ZREM', P .. ':leases', held)
end
redis.call('HSET', P .. ':lease:' .. job, 'executor', ex, 'fence', fence, 'kind', kind,
           'deployment', dep, 'renewed_at', ARGV[7])
redis.call('ZADD', P .. ':leases', ARGV[7], job)
return 1
)lua";

constexpr const char* kRenewLease = R"lua(
local P, job, ex = ARGV[1], ARGV[2], ARGV[3]
local l = redis.call('HMGET', P .. ':lease:' .. job, 'executor', 'deployment', 'fence')
if not l[1] or l[1] ~= ex then return 0 end
if tostring(redis.call('HGET', P .. ':dep:' .. l[2], 'fence')) ~= l[3] then return 0 end
redis.call('HSET', P .. ':lease:' .. job, 'renewed_at', ARGV[4])
redis.call('ZADD', P .. ':leases', ARGV[4], job)
return 1
)lua";

}  // namespace

std::vector<std::string> Published::states_of(const std::string& id) const {
    std::vector<std::string> out;
    for (const auto& s : states)
        if (s.deployment_id == id) out.push_back(s.state);
    return out;
}

std::string Published::last_state(const std::string& id) const {
    auto l = last(id);
    return l ? l->state : "";
}

std::optional<DeploymentState> Published::last(const std::string& id) const {
    std::optional<DeploymentState> out;
    for (const auto& s : states)
        if (s.deployment_id == id) out = s;
    return out;
}

std::vector<JobRun> Published::jobs_of_kind(const std::string& kind) const {
    std::vector<JobRun> out;
    for (const auto& [key, job] : jobs)
        if (job.kind == kind) out.push_back(job);
    return out;
}

Published decode(const Transition& t) {
    Published p;
    for (const auto& entry : t.entries) {
        auto r = render_entry(entry, "https://strata.test/jobs/");
        if (!r) throw std::runtime_error(r.error().message);
        const auto& m = r->message;
        if (r->kind == "state") {
            auto s = strata::decode<DeploymentState>(m.body);
            if (!s) throw std::runtime_error("deployment.state: " + s.error().message);
            p.states.push_back(s->payload);
        } else if (r->kind == "job") {
            auto j = strata::decode<JobRun>(m.body);
            if (!j) throw std::runtime_error("job.run: " + j.error().message);
            p.jobs.emplace_back(m.routing_key, j->payload);
        } else {
            auto f = strata::decode<RequestRefused>(m.body);
            if (!f) throw std::runtime_error("request.refused: " + f.error().message);
            p.refusals.push_back(f->payload);
        }
    }
    return p;
}

std::string rev(int n) {
    char buf[41];
    std::snprintf(buf, sizeof buf, "%040x", n);
    return buf;
}

DeployRequested deploy_request(const std::string& revision, const std::string& trigger,
                               const std::string& root, std::vector<std::string> upstream) {
    DeployRequested r;
    r.repo = kRepo;
    r.root = RootRef{root, "envs/" + root, "default", ""};
    r.revision = revision;
    r.ref = "refs/heads/main";
    r.trigger = trigger;
    r.user = trigger == "manual" ? "octocat" : "merger";
    r.upstream_roots = std::move(upstream);
    return r;
}

PlanSummary changes(int add) {
    PlanSummary p;
    p.add = add;
    for (int i = 0; i < add; ++i) p.resources.push_back("+ null_resource.r" + std::to_string(i));
    return p;
}

StoreHarness::StoreHarness(std::string url, std::string prefix_)
    : redis_url(std::move(url)),
      prefix(prefix_.empty() ? strata::testing::unique_name("sched") : std::move(prefix_)) {
    settings.redis_prefix = prefix;
    restart_scheduler();
}

StoreHarness::~StoreHarness() {
    if (!redis || !redis->healthy()) return;
    (void)call(
        {"EVAL",
         "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 0",
         "0", prefix + ":*"});
}

void StoreHarness::restart_scheduler() {
    router.reset();
    store.reset();
    if (redis) redis->close();
    redis = std::make_unique<RedisClient>(loop, RedisOptions{redis_url, 2s, 100ms});
    redis->connect();
    store = std::make_unique<DeploymentStore>(*redis, prefix, [this] { return now_ms; });
    router = std::make_unique<RequestRouter>(*store, settings);
    wait_connected();
    redis->register_script("test.take", kTakeLease);
    redis->register_script("test.renew", kRenewLease);
}

bool StoreHarness::wait_connected(std::chrono::milliseconds deadline) {
    return run_until(
        loop, [&] { return redis->healthy(); }, deadline);
}

Result<Transition> StoreHarness::wait(std::function<void(TransitionCallback)> start) {
    std::optional<Result<Transition>> out;
    start([&](Result<Transition> t) { out.emplace(std::move(t)); });
    if (!run_until(loop, [&] { return out.has_value(); })) return Error{"test: no reply"};
    return std::move(*out);
}

Result<Transition> StoreHarness::deploy(const std::string& msg, const DeployRequested& r,
                                        const RootPolicy& policy) {
    return wait([&](TransitionCallback cb) {
        store->enqueue({msg, "cid-" + msg}, deployment_id(msg), r, policy, std::move(cb));
    });
}

Result<Transition> StoreHarness::plan(const std::string& msg, const PlanRequested& r) {
    return wait([&](TransitionCallback cb) {
        store->request_plan({msg, "cid-" + msg}, RequestRouter::plan_id_for(msg), r, std::move(cb));
    });
}

Result<Transition> StoreHarness::cancel(const std::string& msg, const PlanCancelled& c) {
    return wait([&](TransitionCallback cb) { store->cancel_plans({msg, "c"}, c, std::move(cb)); });
}

Result<Transition> StoreHarness::job_state(const std::string& msg, const JobState& s) {
    return wait([&](TransitionCallback cb) {
        store->record_job_state({msg, "c"}, s, std::move(cb));
    });
}

Result<Transition> StoreHarness::unlock(const std::string& msg, const UnlockRequest& u) {
    return wait([&](TransitionCallback cb) { store->unlock({msg, "c"}, u, std::move(cb)); });
}

Result<Transition> StoreHarness::review(const std::string& msg, const ReviewRequest& r) {
    return wait([&](TransitionCallback cb) { store->review({msg, "c"}, r, std::move(cb)); });
}

Result<Transition> StoreHarness::tick(std::chrono::milliseconds lease_timeout, int attempts) {
    return wait([&](TransitionCallback cb) {
        store->tick(TickSettings{lease_timeout, attempts, 200}, std::move(cb));
    });
}

Result<Transition> StoreHarness::outbox_due(std::chrono::milliseconds grace) {
    return wait([&](TransitionCallback cb) { store->outbox_due(grace, 1000, std::move(cb)); });
}

Result<void> StoreHarness::outbox_done(const Transition& t) {
    std::vector<std::string> ids;
    for (const auto& e : t.entries) ids.push_back(e.id);
    std::optional<Result<void>> out;
    store->outbox_done(ids, [&](Result<void> r) { out.emplace(std::move(r)); });
    if (!run_until(loop, [&] { return out.has_value(); })) return Error{"test: no reply"};
    return std::move(*out);
}

Handled StoreHarness::route(const std::string& key, const std::string& body) {
    std::optional<Handled> out;
    router->handle(key, body, [&](Handled h) { out.emplace(std::move(h)); });
    if (!run_until(loop, [&] { return out.has_value(); }))
        return {Handled::Outcome::Retry, {}, "test: no reply", ""};
    return std::move(*out);
}

Result<DeploymentRecord> StoreHarness::describe(const std::string& id) {
    std::optional<Result<DeploymentRecord>> out;
    store->describe(id, [&](Result<DeploymentRecord> d) { out.emplace(std::move(d)); });
    if (!run_until(loop, [&] { return out.has_value(); })) return Error{"test: no reply"};
    return std::move(*out);
}

Result<RedisReply> StoreHarness::call(std::vector<std::string> argv) {
    std::optional<Result<RedisReply>> out;
    redis->command(std::move(argv), [&](Result<RedisReply> r) { out.emplace(std::move(r)); });
    if (!run_until(loop, [&] { return out.has_value(); })) return Error{"test: no reply"};
    return std::move(*out);
}

std::string StoreHarness::root_key(const std::string& root, const std::string& suffix) const {
    return prefix + ":root:acme/infra||" + root + ":" + suffix;
}

bool StoreHarness::take(const JobRun& job, const std::string& executor) {
    std::optional<Result<RedisReply>> out;
    redis->eval("test.take", {},
                {prefix, job.job_id, executor, std::to_string(job.fencing_token), job.kind,
                 job.deployment_id, std::to_string(now_ms)},
                [&](Result<RedisReply> r) { out.emplace(std::move(r)); });
    if (!run_until(loop, [&] { return out.has_value(); }) || !out->ok())
        throw std::runtime_error("take: " + (out ? out->error().message : "no reply"));
    return (*out)->integer == 1;
}

bool StoreHarness::renew(const std::string& job_id, const std::string& executor) {
    std::optional<Result<RedisReply>> out;
    redis->eval("test.renew", {}, {prefix, job_id, executor, std::to_string(now_ms)},
                [&](Result<RedisReply> r) { out.emplace(std::move(r)); });
    if (!run_until(loop, [&] { return out.has_value(); }) || !out->ok())
        throw std::runtime_error("renew: " + (out ? out->error().message : "no reply"));
    return (*out)->integer == 1;
}

void StoreHarness::end_lease(const std::string& job_id) {
    (void)call({"DEL", prefix + ":lease:" + job_id});
    (void)call({"ZREM", prefix + ":leases", job_id});
}

JobState StoreHarness::report(const JobRun& job, const std::string& executor,
                              const std::string& state, const std::string& order,
                              std::optional<PlanSummary> plan, const std::string& detail) {
    return JobState{
        job.job_id, job.deployment_id, job.fencing_token, executor, state, order, std::move(plan),
        detail};
}

}  // namespace strata::scheduler::testing
