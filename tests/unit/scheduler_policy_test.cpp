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

// ---- the operator's policy combined with the repository's strata.yaml settings ----
namespace strata::scheduler {
namespace {

DeployRequested repo_says(const std::string& review, std::vector<std::string> reviewers = {}) {
    DeployRequested r;
    r.review_required = review;
    r.reviewers = std::move(reviewers);
    return r;
}

RootPolicy operator_lists(std::vector<std::string> reviewers, bool waiver = false) {
    RootPolicy p;
    p.reviewers = std::move(reviewers);
    p.allow_review_waiver = waiver;
    return p;
}

TEST(RepoPolicyMerge, AbsentRepoSettingsLeaveTheOperatorsPolicy) {
    auto e = effective_policy(operator_lists({"alice"}), repo_says(""));
    EXPECT_EQ(e.review, "auto");
    EXPECT_EQ(e.policy.reviewers, (std::vector<std::string>{"alice"}));
    EXPECT_TRUE(e.apply_enabled);
    EXPECT_EQ(e.apply_timeout, "");
    EXPECT_EQ(e.note, "");
}

TEST(RepoPolicyMerge, RepoAlwaysTightensAndIsAlwaysHonoured) {
    EXPECT_EQ(effective_policy(operator_lists({}), repo_says("always")).review, "always");
    EXPECT_EQ(effective_policy(operator_lists({}, true), repo_says("always")).review, "always");
}

TEST(RepoPolicyMerge, RepoNeverIsIgnoredWithoutTheOperatorsWaiver) {
    auto e = effective_policy(operator_lists({}), repo_says("never"));
    EXPECT_EQ(e.review, "auto");
    EXPECT_EQ(e.note,
              "strata.yaml's review.required: never was ignored: the operator's policy for this "
              "root does not allow waiving review");
}

TEST(RepoPolicyMerge, RepoNeverIsHonouredWithTheOperatorsWaiver) {
    auto e = effective_policy(operator_lists({}, true), repo_says("never"));
    EXPECT_EQ(e.review, "never");
    EXPECT_EQ(e.note, "");
}

TEST(RepoPolicyMerge, RepoReviewersOnlyNarrowTheOperatorsList) {
    auto e = effective_policy(operator_lists({"alice", "Bob", "acme/sre"}),
                              repo_says("auto", {"bob", "mallory", "acme/sre"}));
    EXPECT_EQ(e.policy.reviewers, (std::vector<std::string>{"Bob", "acme/sre"}))
        << "the intersection, as the operator spells it; mallory is not added";
}

TEST(RepoPolicyMerge, RepoReviewersSharingNobodyWithTheOperatorsLeaveTheOperatorsList) {
    auto e = effective_policy(operator_lists({"alice"}), repo_says("auto", {"mallory"}));
    EXPECT_EQ(e.policy.reviewers, (std::vector<std::string>{"alice"}));
    EXPECT_NE(e.note.find("names none of the operator's reviewers"), std::string::npos);
}

TEST(RepoPolicyMerge, RepoReviewersApplyWhenTheOperatorListsNone) {
    auto e = effective_policy(operator_lists({}), repo_says("auto", {"carol", "acme/sre"}));
    EXPECT_EQ(e.policy.reviewers, (std::vector<std::string>{"carol", "acme/sre"}));
}

TEST(RepoPolicyMerge, ApplySettingsComeFromTheRepo) {
    auto r = repo_says("auto");
    r.apply_enabled = false;
    r.apply_timeout = "45m";
    auto e = effective_policy(RootPolicy{}, r);
    EXPECT_FALSE(e.apply_enabled);
    EXPECT_EQ(e.apply_timeout, "45m");
}

TEST(RepoPolicyMerge, TheOperatorsOtherKeysAreKept) {
    RootPolicy p;
    p.approvers_required = 2;
    p.coalesce_merges = true;
    auto e = effective_policy(p, repo_says("always", {"alice"}));
    EXPECT_EQ(e.policy.approvers_required, 2);
    EXPECT_TRUE(e.policy.coalesce_merges);
}

TEST(RepoPolicyMerge, AllowReviewWaiverIsARootPolicyKeyDefaultingToFalse) {
    auto table = PolicyTable::parse("acme/infra||dev-*  allow_review_waiver=true", RootPolicy{});
    ASSERT_TRUE(table.ok()) << table.error().message;
    EXPECT_TRUE(table->for_root("acme/infra", "dev-app").allow_review_waiver);
    EXPECT_FALSE(table->for_root("acme/infra", "prod-app").allow_review_waiver);
    EXPECT_FALSE(PolicyTable::parse("*/*||*  allow_review_waiver=maybe", RootPolicy{}).ok());
}

}  // namespace
}  // namespace strata::scheduler
