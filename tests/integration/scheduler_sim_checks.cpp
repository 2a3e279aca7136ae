// The model test's checks: the real state (read from Redis in one script) against the model
// after every step, the invariants on the way, and what must hold once everything finished.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "scheduler_sim.hpp"
#include "support/test_servers.hpp"

namespace strata::scheduler::testing {
namespace {

// Per root (ARGV[2..]): manual list, merge list, locked, inflight, last attempted; then every
// deployment: id, state, phase, fence, attempt, trigger, root.
// Expired leases as the sweeper will find them, with the freshness of each deployment's apply
// lease (the sweeper's comparison, same clock).
constexpr const char* kExpiredLeases = R"lua(
local P, cutoff = ARGV[1], tonumber(ARGV[2])
local out = {}
for _, job in ipairs(redis.call('ZRANGEBYSCORE', P .. ':leases', '-inf', '(' .. ARGV[2],
                                'LIMIT', 0, 200)) do
  local l = redis.call('HMGET', P .. ':lease:' .. job, 'deployment', 'fence', 'kind')
  local fresh = 0
  if l[1] then
    local a = redis.call('HGET', P .. ':dep:' .. l[1], 'apply_job_id')
    if a and a ~= '' then
      local r = redis.call('HGET', P .. ':lease:' .. a, 'renewed_at')
      if r and tonumber(r) >= cutoff then fresh = 1 end
    end
  end
  out[#out + 1] = { job, l[1] or '', l[2] or '', l[3] or '', fresh }
end
return out
)lua";

constexpr const char* kDump = R"lua(
local P = ARGV[1]
local out = { {}, {} }
for i = 2, #ARGV do
  local R = P .. ':root:acme/infra||' .. ARGV[i] .. ':'
  out[1][#out[1] + 1] = { redis.call('LRANGE', R .. 'queue:manual', 0, -1),
                          redis.call('LRANGE', R .. 'queue:merge', 0, -1),
                          redis.call('EXISTS', R .. 'lock'),
                          redis.call('GET', R .. 'inflight') or '',
                          redis.call('GET', R .. 'last_attempted') or '' }
end
for _, key in ipairs(redis.call('KEYS', P .. ':dep:*')) do
  local f = redis.call('HMGET', key, 'state', 'phase', 'fence', 'attempt', 'trigger', 'root_name')
  out[2][#out[2] + 1] = { string.sub(key, #P + 6), f[1] or '', f[2] or '', f[3] or '',
                          f[4] or '', f[5] or '', f[6] or '' }
end
return out
)lua";

std::vector<std::string> strings(const RedisReply& r) {
    std::vector<std::string> out;
    for (const auto& e : r.elements) out.push_back(e.str);
    return out;
}

template <class C>
std::string join(const C& c) {
    std::ostringstream out;
    for (const auto& s : c) out << s << ' ';
    return out.str();
}

}  // namespace

void World::register_scripts() {
    h_.redis->register_script("test.dump", kDump);
    h_.redis->register_script("test.expired_leases", kExpiredLeases);
}

void World::compare(const std::string& after) {
    if (::testing::Test::HasFailure()) return;
    if (std::getenv("STRATA_MODEL_NOCOMPARE")) return;
    std::vector<std::string> args = {h_.prefix};
    args.insert(args.end(), roots_.begin(), roots_.end());
    std::optional<Result<RedisReply>> out;
    h_.redis->eval("test.dump", {}, args, [&](Result<RedisReply> r) { out.emplace(std::move(r)); });
    strata::testing::run_until(h_.loop, [&] { return out.has_value(); });
    ASSERT_TRUE(out && out->ok()) << "dumping state " << after << " at " << where() << ": "
                                  << (out ? out->error().message : "no reply");
    const auto& dump = **out;
    std::string at = after + " at " + where();

    for (std::size_t i = 0; i < roots_.size(); ++i) {
        const auto& r = dump.elements[0].elements[i];
        const auto& m = model_.roots[roots_[i]];
        std::vector<std::string> manual(m.manual.begin(), m.manual.end());
        std::vector<std::string> merge(m.merge.begin(), m.merge.end());
        EXPECT_EQ(strings(r.elements[0]), manual) << roots_[i] << " manual queue, " << at;
        EXPECT_EQ(strings(r.elements[1]), merge) << roots_[i] << " merge queue, " << at;
        EXPECT_EQ(r.elements[2].integer == 1, m.locked) << roots_[i] << " lock, " << at;
        EXPECT_EQ(r.elements[3].str, m.inflight) << roots_[i] << " in flight, " << at;
        EXPECT_EQ(r.elements[4].str, m.last_attempted) << roots_[i] << " last attempted, " << at;
    }

    std::map<std::string, int> busy;  // root -> deployments between dispatch and finish
    std::size_t deploys = 0;
    for (const auto& d : dump.elements[1].elements) {
        auto id = d.elements[0].str;
        auto it = model_.deployments.find(id);
        ASSERT_NE(it, model_.deployments.end())
            << "deployment " << id << " unknown to the model, " << at;
        ++deploys;
        const auto& m = it->second;
        EXPECT_EQ(d.elements[1].str, m.state) << id << " state, " << at;
        EXPECT_EQ(d.elements[2].str, m.phase) << id << " phase, " << at;
        EXPECT_EQ(d.elements[3].str, std::to_string(m.fence)) << id << " fence, " << at;
        EXPECT_EQ(d.elements[4].str, std::to_string(m.attempt)) << id << " attempt, " << at;
        const auto& phase = d.elements[2].str;
        if (phase == "plan" || phase == "review" || phase == "apply") ++busy[d.elements[6].str];
    }
    EXPECT_EQ(deploys, model_.deployments.size()) << "deployments lost, " << at;
    for (const auto& [root, n] : busy)
        EXPECT_LE(n, 1) << "more than one deployment in flight in " << root << ", " << at;

    // Merge order: no merge item still waiting was accepted before one that left the queue.
    std::map<std::string, int> accepted;
    for (const auto& [root, order] : merges_requested_)
        for (std::size_t i = 0; i < order.size(); ++i) accepted[order[i]] = static_cast<int>(i);
    for (const auto& root : roots_) {
        int left_max = -1, waiting_min = 1 << 30;
        for (const auto& id : merges_requested_[root]) {
            const auto& d = model_.deployments[id];
            if (d.phase == "queue")
                waiting_min = std::min(waiting_min, accepted[id]);
            else
                left_max = std::max(left_max, accepted[id]);
        }
        EXPECT_LT(left_max, waiting_min)
            << "merge items of " << root << " left out of order, " << at;
    }
}

void World::check_final() {
    if (::testing::Test::HasFailure()) return;
    last_op_ = "final checks";
    compare("the end");
    auto xlen = h_.call({"XLEN", h_.prefix + ":outbox"});
    ASSERT_TRUE(xlen.ok());
    EXPECT_EQ(xlen->integer, 0) << "outbox entries never published, " << where();
    for (const auto& id : requested_) {
        ASSERT_TRUE(refused_.count(id)) << "request " << id << " never handled, " << where();
        if (!refused_[id]) {
            EXPECT_TRUE(model_.deployments.count(StoreHarness::deployment_id(id)))
                << "request " << id << " accepted but no deployment, " << where();
        }
    }
    for (const auto& [id, d] : model_.deployments) {
        EXPECT_TRUE(Model::terminal(d.state))
            << id << " never finished: " << d.state << ", " << where();
        // The notifier heard of it, and of its last state (it keeps the highest seq).
        const auto& seen = notified_[id];
        ASSERT_FALSE(seen.empty()) << "no deployment.state for " << id << ", " << where();
        auto last = *std::max_element(seen.begin(), seen.end(),
                                      [](const auto& a, const auto& b) { return a.seq < b.seq; });
        EXPECT_EQ(last.state, d.state) << "the notifier's last state of " << id << ", " << where();
        int applied = applies_.count(id) ? applies_[id] : 0;
        EXPECT_LE(applied, 1) << id << " applied " << applied << " times, " << where();
        if (applied && d.trigger == "manual") {
            EXPECT_FALSE(d.approvals.empty()) << id << " applied without a Confirm, " << where();
        }
        stats_.applies += applied;
        ++stats_.outcomes[d.state];
    }
}

}  // namespace strata::scheduler::testing
