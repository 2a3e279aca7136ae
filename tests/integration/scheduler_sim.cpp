#include "scheduler_sim.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "support/test_servers.hpp"

namespace strata::scheduler::testing {
namespace {

using namespace std::chrono_literals;

int revision_number(const std::string& revision) {
    return static_cast<int>(std::stoll(revision, nullptr, 16));
}
constexpr int kBranch = 0x100000;

}  // namespace

World::World(StoreHarness& h, strata::testing::RedisServer* server, std::uint64_t seed,
             bool allow_redis_restart)
    : h_(h), server_(server), seed_(seed), allow_redis_restart_(allow_redis_restart), rng_(seed) {
    for (int i = 1; i <= 3; ++i) executors_.push_back({"ex" + std::to_string(i)});
    // The model's review timeout, and no queue expiry (the model has none).
    RootPolicy policy;
    policy.review_timeout = std::chrono::milliseconds(model_.review_timeout_ms);
    policy.queue_expiry = std::chrono::milliseconds(0);
    h_.settings.policies = *PolicyTable::parse("", policy);
    register_scripts();
}

std::string World::where() const {
    return "seed " + std::to_string(seed_) + ", step " + std::to_string(stats_.steps) + " (" +
           last_op_ + ")";
}

void World::send(const std::string& key, std::string body, const std::string& id) {
    inbox_.push_back({key, std::move(body), id});
}

void World::merge() {
    ++head_;
    std::vector<std::string> touched;
    for (const auto& root : roots_)
        if (chance(0.6)) touched.push_back(root);
    if (touched.empty()) touched.push_back(roots_[pick(3)]);
    bool r0 = std::find(touched.begin(), touched.end(), "r0") != touched.end();
    for (const auto& root : touched) {
        std::vector<std::string> upstream;
        if (root == "r1" && r0) upstream.push_back("r0");
        auto r = deploy_request(rev(head_), "merge", root, upstream);
        auto id = "merge-" + std::to_string(head_) + "-" + root;
        send(std::string(DeployRequested::kType),
             encode(make_message(r, Origin{"planner", id, ""}, id)), id);
        requested_.push_back(id);
    }
}

void World::manual() {
    auto root = roots_[pick(3)];
    std::string revision;
    int r = pick(10);
    if (r < 4 && head_ > 0)
        revision = rev(1 + pick(head_));
    else if (r < 7 && head_ > 0)
        revision = rev(head_);
    else if (r < 9 || branches_ == 0)
        revision = rev(kBranch + ++branches_);
    else
        revision = rev(kBranch + 1 + pick(branches_));
    auto q = deploy_request(revision, "manual", root);
    q.rerun = chance(0.2);
    if (q.rerun && chance(0.7) && !model_.roots[root].last_attempted.empty())
        q.revision = model_.roots[root].last_attempted;
    q.force = chance(0.1);
    auto id = "manual-" + std::to_string(++ids_);
    send(std::string(DeployRequested::kType),
         encode(make_message(q, Origin{"planner", id, ""}, id)), id);
    requested_.push_back(id);
}

void World::unlock_some() {
    TriggerUnlock u{"acme/infra", roots_[pick(3)], chance(0.5) ? "alice" : "bob", ""};
    auto id = "unlock-" + std::to_string(++ids_);
    send(std::string(TriggerUnlock::kType), encode(make_message(u, Origin{"cli", id, ""}, id)), id);
}

void World::review_some(const std::string& action) {
    std::vector<std::string> waiting, all;
    for (const auto& [id, d] : model_.deployments) {
        all.push_back(id);
        if (d.state == "awaiting_review") waiting.push_back(id);
    }
    if (all.empty()) return;
    auto dep = !waiting.empty() && chance(0.85) ? waiting[pick(static_cast<int>(waiting.size()))]
                                                : all[pick(static_cast<int>(all.size()))];
    auto user = chance(0.5) ? "alice" : "bob";
    auto id = action + "-" + std::to_string(++ids_);
    if (chance(0.5)) {
        CheckRunEvent e;
        e.repo = kRepo;
        e.action = "requested_action";
        e.external_id = dep;
        e.head_sha = rev(1);
        e.identifier = action;
        e.user = user;
        send(std::string(CheckRunEvent::kType),
             encode(make_message(e, Origin{"ingest", id, ""}, id)), id);
    } else if (action == "confirm") {
        TriggerConfirm c{dep, "", "", user, ""};
        send(std::string(TriggerConfirm::kType), encode(make_message(c, Origin{"cli", id, ""}, id)),
             id);
    } else {
        TriggerReject c{dep, "", "", user, "no"};
        send(std::string(TriggerReject::kType), encode(make_message(c, Origin{"cli", id, ""}, id)),
             id);
    }
}

// What the model says for a message, applied in the order the scheduler handles them.
std::string model_status(Model& model, const SimMessage& m, long long now) {
    if (m.key == DeployRequested::kType) {
        auto d = strata::decode<DeployRequested>(m.body);
        return model.deploy(m.id, StoreHarness::deployment_id(m.id), d->payload, now);
    }
    if (m.key == JobState::kType)
        return model.job_state(m.id, strata::decode<JobState>(m.body)->payload, now);
    if (m.key == TriggerUnlock::kType)
        return model.unlock(m.id, strata::decode<TriggerUnlock>(m.body)->payload.root);
    if (m.key == TriggerConfirm::kType) {
        auto c = strata::decode<TriggerConfirm>(m.body)->payload;
        return model.review(m.id, "confirm", c.deployment_id, c.user);
    }
    if (m.key == TriggerReject::kType) {
        auto c = strata::decode<TriggerReject>(m.body)->payload;
        return model.review(m.id, "reject", c.deployment_id, c.user);
    }
    auto e = strata::decode<CheckRunEvent>(m.body)->payload;
    return model.review(m.id, e.identifier, e.external_id, e.user);
}

std::set<ModelJob> jobs_published(const Transition& t) {
    std::set<ModelJob> out;
    for (const auto& [key, job] : decode(t).jobs)
        out.insert({job.job_id, job.kind, key, job.fencing_token});
    return out;
}

void World::deliver(bool may_crash) {
    if (inbox_.empty()) return;
    auto m = inbox_.front();
    last_op_ = "deliver " + m.key + " " + m.id;
    auto handled = h_.route(m.key, m.body);
    ASSERT_EQ(handled.outcome, Handled::Outcome::Done) << handled.error << " at " << where();
    ++stats_.messages;
    const auto& t = handled.transition;
    auto expected = model_status(model_, m, h_.now_ms);
    ASSERT_EQ(t.status, expected) << where();
    if (t.status == "refused") ++stats_.refused;
    if (t.status == "stale") ++stats_.stale;
    if (m.key == DeployRequested::kType && t.status != "duplicate") {
        refused_[m.id] = t.status == "refused";
        auto r = strata::decode<DeployRequested>(m.body)->payload;
        if (t.status == "ok" && r.trigger == "merge")
            merges_requested_[r.root.name].push_back(StoreHarness::deployment_id(m.id));
    }
    if (t.status != "duplicate") {
        auto real = jobs_published(t);
        ASSERT_TRUE(real == model_.jobs()) << "jobs sent differ at " << where();
    }
    int crash = may_crash && chance(0.06) ? 1 + pick(3) : 0;
    if (crash == 1) {  // died before publishing
        ++stats_.crashes;
        restart_scheduler();
        compare("crash before publishing");
        return;
    }
    publish(t);
    if (crash == 2) {  // died after publishing, before removing the entries and acking
        ++stats_.crashes;
        restart_scheduler();
        compare("crash after publishing");
        return;
    }
    ASSERT_TRUE(h_.outbox_done(t).ok()) << where();
    inbox_.pop_front();
    if (crash == 3) {  // acked? no: died just before the ack, the message comes back
        ++stats_.crashes;
        inbox_.push_back(m);
        restart_scheduler();
    }
    compare("after " + m.key);
}

void World::publish(const Transition& t) {
    auto p = decode(t);
    for (const auto& s : p.states) notified_[s.deployment_id].push_back(s);
    for (const auto& [key, job] : p.jobs) {
        SimMessage m{key, encode(make_message(job, Origin{"scheduler", "c", ""})), job.job_id};
        if (key == "job.run")
            work_.push_back(std::move(m));
        else
            own_[key.substr(std::string("job.run.").size())].push_back(std::move(m));
    }
}

void World::pump() {
    auto due = h_.outbox_due(0ms);
    ASSERT_TRUE(due.ok()) << due.error().message << " at " << where();
    publish(*due);
    ASSERT_TRUE(h_.outbox_done(*due).ok());
}

void World::restart_scheduler() {
    ++stats_.scheduler_restarts;
    h_.restart_scheduler();
    register_scripts();
    pump();
}

void World::restart_redis() {
    if (!server_) return;
    ++stats_.redis_restarts;
    // Half of them a crash (SIGKILL, no shutdown): what the scheduler acknowledged must survive
    // it, which the model test's Redis promises with appendfsync always (SetUpTestSuite).
    bool crash = rng_() % 2 == 0;
    last_op_ = crash ? "redis killed (SIGKILL) and restarted" : "redis restart";
    if (crash) {
        ++stats_.redis_crashes;
        server_->kill_hard();
    }
    server_->restart();
    // The client notices the old connection is gone on its next command, then reconnects.
    bool back = false;
    for (int i = 0; i < 200 && !back; ++i) {
        back = h_.call({"PING"}).ok();
        if (!back) h_.wait_connected(100ms);
    }
    ASSERT_TRUE(back) << "redis did not come back at " << where();
    compare("redis restart");
}

std::vector<ExpiredLease> World::expired_leases() {
    std::optional<Result<RedisReply>> out;
    h_.redis->eval("test.expired_leases", {}, {h_.prefix, std::to_string(h_.now_ms - 60'000)},
                   [&](Result<RedisReply> r) { out.emplace(std::move(r)); });
    strata::testing::run_until(h_.loop, [&] { return out.has_value(); });
    std::vector<ExpiredLease> leases;
    if (!out || !out->ok()) {
        ADD_FAILURE() << "reading leases at " << where();
        return leases;
    }
    for (const auto& e : (*out)->elements) {
        ExpiredLease l{e.elements[0].str, e.elements[1].str, e.elements[3].str,
                       e.elements[2].str.empty() ? -1 : std::stoll(e.elements[2].str),
                       e.elements[4].integer == 1};
        leases.push_back(l);
    }
    return leases;
}

void World::tick() {
    last_op_ = "tick";
    auto expired = expired_leases();
    auto t = h_.tick(60s, model_.max_attempts);
    ASSERT_TRUE(t.ok()) << t.error().message << " at " << where();
    model_.tick(expired, h_.now_ms);
    ASSERT_TRUE(jobs_published(*t) == model_.jobs())
        << "jobs sent by the sweeper differ at " << where();
    if (chance(0.05)) {  // died before publishing what the sweep decided: the pump does it
        ++stats_.crashes;
        restart_scheduler();
        compare("crash after a sweep");
        return;
    }
    publish(*t);
    ASSERT_TRUE(h_.outbox_done(*t).ok());
    compare("tick");
}

}  // namespace strata::scheduler::testing

namespace strata::scheduler::testing {

// The executor's revision order on a linear main branch (numbers below kBranch) with side
// branches (each diverged from everything else).
std::string World::order_of(const std::string& revision, const std::string& last) const {
    if (last.empty()) return "none";
    if (revision == last) return "identical";
    int a = revision_number(revision), b = revision_number(last);
    if (a >= kBranch || b >= kBranch) return "diverged";
    return a > b ? "ahead" : "behind";
}

}  // namespace strata::scheduler::testing
