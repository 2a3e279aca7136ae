// The scheduler's per-root policies (option root_policies) and its settings from Config.
#include <gtest/gtest.h>

#include "scheduler_config.hpp"

namespace strata::scheduler {
namespace {

using namespace std::chrono_literals;

RootPolicy defaults() {
    RootPolicy p;
    p.review_timeout = 7 * 24h;
    p.queue_expiry = 7 * 24h;
    return p;
}

TEST(SchedulerPolicy, WithoutRulesEveryRootGetsTheDefaults) {
    auto table = PolicyTable::parse("", defaults());
    ASSERT_TRUE(table.ok()) << table.error().message;
    auto p = table->for_root("acme/infra", "network");
    EXPECT_EQ(p.approvers_required, 1);
    EXPECT_TRUE(p.reviewers.empty());
    EXPECT_EQ(p.review_timeout, 7 * 24h);
    EXPECT_EQ(p.queue_expiry, 7 * 24h);
    EXPECT_FALSE(p.coalesce_merges);
}

TEST(SchedulerPolicy, RulesMatchRepositoryAndRootByGlob) {
    auto table = PolicyTable::parse(
        "acme/infra||prod-*  approvers=2 reviewers=alice,bob review_timeout=3d\n"
        "acme/*||**  coalesce=true queue_expiry=2h\n",
        defaults());
    ASSERT_TRUE(table.ok()) << table.error().message;
    auto prod = table->for_root("acme/infra", "prod-db");
    EXPECT_EQ(prod.approvers_required, 2);
    EXPECT_EQ(prod.reviewers, (std::vector<std::string>{"alice", "bob"}));
    EXPECT_EQ(prod.review_timeout, 72h);
    EXPECT_TRUE(prod.coalesce_merges) << "keys a first rule leaves out come from later ones";
    EXPECT_EQ(prod.queue_expiry, 2h);

    auto nested = table->for_root("acme/other", "envs/dev/app");
    EXPECT_EQ(nested.approvers_required, 1);
    EXPECT_TRUE(nested.coalesce_merges);

    auto elsewhere = table->for_root("other/infra", "prod-db");
    EXPECT_FALSE(elsewhere.coalesce_merges);
    EXPECT_EQ(elsewhere.approvers_required, 1);
}

TEST(SchedulerPolicy, TheFirstMatchingRuleThatSetsAKeyWins) {
    auto table =
        PolicyTable::parse("*/*||net*  approvers=3; */*||*  approvers=1 coalesce=true", defaults());
    ASSERT_TRUE(table.ok()) << table.error().message;
    EXPECT_EQ(table->for_root("a/b", "network").approvers_required, 3);
    EXPECT_EQ(table->for_root("a/b", "dns").approvers_required, 1);
}

TEST(SchedulerPolicy, ZeroQueueExpiryMeansNever) {
    auto table = PolicyTable::parse("*/*||*  queue_expiry=0", defaults());
    ASSERT_TRUE(table.ok()) << table.error().message;
    EXPECT_EQ(table->for_root("a/b", "c").queue_expiry, 0ms);
}

TEST(SchedulerPolicy, CommentsAndBlankLinesAreIgnored) {
    auto table =
        PolicyTable::parse("# review rules\n\n   \nacme/infra||* approvers=2\n", defaults());
    ASSERT_TRUE(table.ok()) << table.error().message;
    EXPECT_EQ(table->for_root("acme/infra", "x").approvers_required, 2);
}

TEST(SchedulerPolicy, BadRulesAreErrorsThatSayWhatIsWrong) {
    struct Case {
        std::string rule, expected;
    };
    for (const auto& c : std::vector<Case>{
             {"acme/infra approvers=2", "is not <repo glob>||<root glob>"},
             {"acme/infra||* approvers", "'approvers' is not key=value"},
             {"acme/infra||* approvers=0", "approvers: must be from 1 to 100"},
             {"acme/infra||* approvers=two", "approvers: 'two' is not a count"},
             {"acme/infra||* review_timeout=soon", "review_timeout:"},
             {"acme/infra||* coalesce=maybe", "coalesce: 'maybe' is not true or false"},
             {"acme/infra||* colour=blue", "unknown key 'colour'"},
             {"acme/infra||[a approvers=2", "acme/infra||[a"},
             {"acme/infra||* reviewers=acme/sre/x", "'acme/sre/x' is neither a user nor org/team"},
         }) {
        auto table = PolicyTable::parse(c.rule, defaults());
        ASSERT_FALSE(table.ok()) << c.rule;
        EXPECT_NE(table.error().message.find(c.expected), std::string::npos)
            << c.rule << ": " << table.error().message;
        EXPECT_EQ(table.error().message.rfind("root policy '", 0), 0u) << table.error().message;
    }
}

Result<SchedulerSettings> settings(std::vector<std::string> env) {
    auto specs = common_option_specs();
    for (const auto& s : scheduler_option_specs()) specs.push_back(s);
    const char* argv[] = {"strata-scheduler"};
    auto parsed = parse_command_line(specs, 1, argv, env);
    if (!parsed) return parsed.error();
    return settings_from(parsed->config);
}

TEST(SchedulerSettings, DefaultsAreThoseOfTheJobProtocol) {
    auto s = settings({});
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->lease_timeout, 60s);
    EXPECT_EQ(s->sweep_interval, 5s);
    EXPECT_EQ(s->max_plan_attempts, 3);
    EXPECT_EQ(s->policies.for_root("a/b", "c").review_timeout, 7 * 24h);
    EXPECT_EQ(s->policies.for_root("a/b", "c").queue_expiry, 7 * 24h);
}

TEST(SchedulerSettings, EnvironmentOverridesAndPoliciesAreRead) {
    auto s = settings({"STRATA_LEASE_TIMEOUT=2s", "STRATA_SWEEP_INTERVAL=250ms",
                       "STRATA_MAX_PLAN_ATTEMPTS=5", "STRATA_REVIEW_TIMEOUT=1h",
                       "STRATA_ROOT_POLICIES=acme/*||* approvers=2"});
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->lease_timeout, 2s);
    EXPECT_EQ(s->sweep_interval, 250ms);
    EXPECT_EQ(s->max_plan_attempts, 5);
    EXPECT_EQ(s->policies.for_root("acme/x", "y").approvers_required, 2);
    EXPECT_EQ(s->policies.for_root("acme/x", "y").review_timeout, 1h);
}

TEST(SchedulerSettings, NonsenseIsRefused) {
    EXPECT_FALSE(settings({"STRATA_LEASE_TIMEOUT=0s"}).ok());
    EXPECT_FALSE(settings({"STRATA_MAX_PLAN_ATTEMPTS=0"}).ok());
    EXPECT_FALSE(settings({"STRATA_ROOT_POLICIES=nonsense"}).ok());
}

}  // namespace
}  // namespace strata::scheduler
