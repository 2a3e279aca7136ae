// Reviewer teams in the scheduler: which reviewers are teams, GitHub's membership answers read as
// member / not a member / error, the verdict cache, and the configuration that needs GitHub
// credentials for teams and masks them.
#include <gtest/gtest.h>

#include "scheduler_config.hpp"
#include "team_membership.hpp"

namespace strata::scheduler {
namespace {

using namespace std::chrono_literals;

TEST(ReviewerTeams, AreWrittenOrgSlashTeam) {
    EXPECT_TRUE(is_team("acme/sre"));
    EXPECT_FALSE(is_team("alice"));
    EXPECT_FALSE(is_team("/sre"));
    EXPECT_FALSE(is_team("acme/"));
    EXPECT_FALSE(is_team("acme/sre/x"));
}

TEST(TeamMembershipAnswers, ActiveIsAMemberPendingAndNotFoundAreNot) {
    EXPECT_TRUE(*membership_from({200, {}, R"({"role":"member","state":"active"})"}));
    EXPECT_FALSE(*membership_from({200, {}, R"({"role":"member","state":"pending"})"}));
    EXPECT_FALSE(*membership_from({404, {}, R"({"message":"Not Found"})"}));
}

TEST(TeamMembershipAnswers, AnythingElseIsAnErrorThatSaysWhatGitHubAnswered) {
    auto outage = membership_from({502, {}, R"({"message":"Server Error"})"});
    ASSERT_FALSE(outage.ok());
    EXPECT_EQ(outage.error().message, "GitHub answered 502: Server Error");
    auto refused = membership_from({401, {}, R"({"message":"Bad credentials"})"});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message, "GitHub answered 401: Bad credentials");
    EXPECT_FALSE(membership_from({403, {}, "rate limited"}).ok());
    EXPECT_FALSE(membership_from({200, {}, "not json"}).ok());
    EXPECT_FALSE(membership_from({200, {}, R"({"role":"member"})"}).ok());
}

TEST(MembershipCache, AnswersUntilTheTtlWithoutRegardToCase) {
    MembershipCache cache(60s);
    std::chrono::steady_clock::time_point t0{};
    EXPECT_FALSE(cache.get("acme/sre", "alice", t0));
    cache.put("acme/SRE", "Alice", true, t0);
    cache.put("acme/sre", "mallory", false, t0);
    EXPECT_EQ(cache.get("ACME/sre", "alice", t0 + 59s), true);
    EXPECT_EQ(cache.get("acme/sre", "mallory", t0 + 59s), false);
    EXPECT_FALSE(cache.get("acme/sre", "alice", t0 + 60s));
    EXPECT_FALSE(cache.get("acme/ops", "alice", t0));
}

TEST(MembershipCache, ANewerAnswerReplacesTheOlder) {
    MembershipCache cache(60s);
    std::chrono::steady_clock::time_point t0{};
    cache.put("acme/sre", "alice", true, t0);
    cache.put("acme/sre", "alice", false, t0 + 30s);
    EXPECT_EQ(cache.get("acme/sre", "alice", t0 + 80s), false);
}

Result<Config> parsed(std::vector<std::string> env) {
    auto specs = common_option_specs();
    for (const auto& s : scheduler_option_specs()) specs.push_back(s);
    const char* argv[] = {"strata-scheduler"};
    auto p = parse_command_line(specs, 1, argv, env);
    if (!p) return p.error();
    return p->config;
}

TEST(SchedulerTeamSettings, TeamsNeedGitHubCredentials) {
    auto config = parsed({"STRATA_ROOT_POLICIES=acme/infra||* reviewers=alice,acme/sre"});
    ASSERT_TRUE(config.ok()) << config.error().message;
    auto s = settings_from(*config);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("set github_token, or github_app_id"), std::string::npos)
        << s.error().message;
}

TEST(SchedulerTeamSettings, TheSameGitHubOptionsAsTheNotifierAreReadAndTheTokenIsMasked) {
    auto config = parsed({"STRATA_ROOT_POLICIES=acme/infra||* reviewers=alice,acme/sre",
                          "STRATA_GITHUB_TOKEN=ghp_secret123", "STRATA_GITHUB_API_URL=http://gh/",
                          "STRATA_TEAM_MEMBERSHIP_CACHE=10s"});
    ASSERT_TRUE(config.ok()) << config.error().message;
    auto s = settings_from(*config);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->github.token, "ghp_secret123");
    EXPECT_EQ(s->github.api_url, "http://gh");
    EXPECT_EQ(s->team_membership_cache, 10s);
    EXPECT_EQ(s->policies.for_root("acme/infra", "x").reviewers,
              (std::vector<std::string>{"alice", "acme/sre"}));
    auto shown = config->describe();
    EXPECT_EQ(shown.find("ghp_secret123"), std::string::npos) << shown;
    EXPECT_NE(shown.find("github_token = ***"), std::string::npos) << shown;
}

TEST(SchedulerTeamSettings, AnAppIdWithoutItsPrivateKeyIsRefused) {
    auto config = parsed({"STRATA_GITHUB_APP_ID=4242"});
    ASSERT_TRUE(config.ok());
    EXPECT_FALSE(settings_from(*config).ok());
}

}  // namespace
}  // namespace strata::scheduler
