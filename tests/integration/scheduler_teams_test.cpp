// Reviewers that are GitHub teams, end to end: the real strata-scheduler daemon on the real broker
// and Redis, with strata-fake-api standing in for GitHub's team memberships
// (GET /orgs/{org}/teams/{team}/memberships/{user}, with the configured token checked). A team
// member's Confirm is accepted; a non-member's is refused and reported (request.refused); while
// GitHub fails, a Confirm is refused with a reason that says to try again, never accepted.
// Then the membership client alone against the same fake: its cache, errors that are never
// cached, and authentication as a GitHub App (the shared strata/github_auth.hpp).
#include <gtest/gtest.h>

#include "notifier_support.hpp"
#include "scheduler_daemon_fixture.hpp"
#include "strata/jwt.hpp"
#include "team_membership.hpp"

namespace strata::scheduler::testing {
namespace {

class SchedulerTeamsTest : public SchedulerDaemonTest {
protected:
    SchedulerTeamsTest() {
        extra_env = {{"STRATA_GITHUB_API_URL", api.url()},
                     {"STRATA_GITHUB_TOKEN", "ghp_scheduler"},
                     {"STRATA_ROOT_POLICIES", "acme/infra||* reviewers=carol,acme/SRE"}};
    }

    // A manual deploy of network, planned with changes and awaiting review.
    std::string awaiting_review() {
        publish(deploy_request(rev(1), "manual"), "manual-1");
        auto id = StoreHarness::deployment_id("manual-1");
        auto job = wait_job(id, "deploy");
        EXPECT_TRUE(job) << "no deploy job";
        if (!job) return id;
        report(*job, "started");
        report(*job, "planning", "none");
        report(*job, "planned", "", changes(1));
        EXPECT_TRUE(wait_state(id, "awaiting_review"));
        return id;
    }

    // A `strata confirm network` comment by user on pull request 12 (confirms by root name).
    void comment_confirm_network(const std::string& user) {
        CommentCommandEvent e;
        e.repo = kRepo;
        e.number = 12;
        e.comment_id = 99;
        e.command = "confirm";
        e.args = {"network"};
        e.user = user;
        publish(e, "comment-" + user);
    }

    void confirm(const std::string& id, const std::string& user, const std::string& message_id) {
        CheckRunEvent e;
        e.repo = kRepo;
        e.action = "requested_action";
        e.external_id = id;
        e.head_sha = rev(1);
        e.identifier = "confirm";
        e.user = user;
        publish(e, message_id);
    }

    std::optional<RequestRefused> wait_refusal(const std::string& user) {
        std::optional<RequestRefused> refused;
        run_until(
            loop,
            [&] {
                for (const auto& [key, r] : got<RequestRefused>())
                    if (r.user == user) refused = r;
                return refused.has_value();
            },
            20s);
        return refused;
    }

    long long membership_requests() const {
        return api.state().value("team_membership_requests", 0LL);
    }

    notifier_testing::FakeApi api{
        {"--github-token", "ghp_scheduler", "--github-teams", "acme/sre=alice;acme/ops=mallory"}};
};

TEST_F(SchedulerTeamsTest, ATeamMembersConfirmIsAcceptedAndANonMembersIsRefusedAndReported) {
    auto id = awaiting_review();
    confirm(id, "mallory", "confirm-mallory");
    auto refused = wait_refusal("mallory");
    ASSERT_TRUE(refused) << "no request.refused for a non-member";
    EXPECT_EQ(refused->request, "confirm");
    EXPECT_EQ(refused->deployment_id, id);
    EXPECT_NE(refused->reason.find("mallory may not review"), std::string::npos) << refused->reason;
    EXPECT_FALSE(wait_job(id, "apply", 300ms)) << "applied on a non-member's confirm";
    EXPECT_EQ(membership_requests(), 1);

    confirm(id, "Alice", "confirm-alice");
    auto apply = wait_job(id, "apply");
    ASSERT_TRUE(apply) << "a member of acme/sre could not confirm";
    EXPECT_EQ(membership_requests(), 2);
    EXPECT_TRUE(api.state()["github_rejections"].empty()) << api.recorded();
}

TEST_F(SchedulerTeamsTest, AUserListedByLoginNeedsNoGitHubCall) {
    auto id = awaiting_review();
    confirm(id, "carol", "confirm-carol");
    ASSERT_TRUE(wait_job(id, "apply"));
    EXPECT_EQ(membership_requests(), 0);
}

TEST_F(SchedulerTeamsTest, AGitHubOutageRefusesTheConfirmWithARetryableReasonAndNeverAcceptsIt) {
    auto id = awaiting_review();
    api.control("fail", {{"service", "github"}, {"count", 1}, {"status", 502}});
    confirm(id, "alice", "confirm-during-outage");
    auto refused = wait_refusal("alice");
    ASSERT_TRUE(refused) << "no request.refused while GitHub fails";
    EXPECT_NE(refused->reason.find("could not check whether alice is a member of acme/SRE"),
              std::string::npos)
        << refused->reason;
    EXPECT_NE(refused->reason.find("502"), std::string::npos) << refused->reason;
    EXPECT_NE(refused->reason.find("try again"), std::string::npos) << refused->reason;
    EXPECT_FALSE(wait_job(id, "apply", 300ms)) << "applied although membership was unknown";

    // The outage is over: the same user's next Confirm (a new click) goes through.
    confirm(id, "alice", "confirm-after-outage");
    ASSERT_TRUE(wait_job(id, "apply")) << "a member's confirm after the outage";
}

TEST_F(SchedulerTeamsTest, ACommentConfirmByRootChecksTheTeamsOfThatRootsPolicy) {
    auto id = awaiting_review();
    comment_confirm_network("mallory");
    auto refused = wait_refusal("mallory");
    ASSERT_TRUE(refused);
    EXPECT_NE(refused->reason.find("mallory may not review"), std::string::npos) << refused->reason;
    comment_confirm_network("alice");
    ASSERT_TRUE(wait_job(id, "apply")) << "a team member's comment confirm";
    EXPECT_EQ(membership_requests(), 2);
}

// A team named only in the repository's strata.yaml (review.reviewers, carried by
// deploy.requested; the operator lists no reviewers): checked for a comment confirm by root name
// too, from the list the deployment in flight recorded.
class SchedulerRepoTeamsTest : public SchedulerTeamsTest {
protected:
    SchedulerRepoTeamsTest() { extra_env.erase("STRATA_ROOT_POLICIES"); }
};

TEST_F(SchedulerRepoTeamsTest, ACommentConfirmByRootChecksTheTeamsTheRepositoryNamed) {
    auto request = deploy_request(rev(1), "manual");
    request.reviewers = {"acme/sre"};
    publish(request, "manual-repo");
    auto id = StoreHarness::deployment_id("manual-repo");
    auto job = wait_job(id, "deploy");
    ASSERT_TRUE(job) << "no deploy job";
    report(*job, "started");
    report(*job, "planning", "none");
    report(*job, "planned", "", changes(1));
    ASSERT_TRUE(wait_state(id, "awaiting_review"));
    comment_confirm_network("mallory");
    auto refused = wait_refusal("mallory");
    ASSERT_TRUE(refused);
    EXPECT_NE(refused->reason.find("mallory may not review"), std::string::npos) << refused->reason;
    comment_confirm_network("alice");
    ASSERT_TRUE(wait_job(id, "apply")) << "a member of the repository's team confirms by root";
}

class TeamMembershipClient : public ::testing::Test {
protected:
    TeamVerdicts check(TeamMembership& client, std::vector<std::string> teams,
                       const std::string& user) {
        std::optional<TeamVerdicts> verdicts;
        client.check(kRepo, teams, user, [&](TeamVerdicts v) { verdicts = std::move(v); });
        EXPECT_TRUE(run_until(
            loop, [&] { return verdicts.has_value(); }, 10s));
        return verdicts.value_or(TeamVerdicts{});
    }
    long long asked() const { return api.state().value("team_membership_requests", 0LL); }

    Loop loop;
    notifier_testing::FakeApi api{
        {"--github-token", "ghp_scheduler", "--github-teams", "acme/sre=alice;acme/ops=bob"}};
    std::chrono::steady_clock::time_point now{};
    github::GitHubAuthConfig token_auth{api.url(), "ghp_scheduler"};
};

TEST_F(TeamMembershipClient, AnswersAreCachedForTheirTtlAndEveryTeamGetsAVerdict) {
    github::GitHubAuth auth(loop, token_auth);
    TeamMembership client(loop, auth, 60s, [&] { return now; });
    auto v = check(client, {"acme/SRE", "acme/ops", "acme/sre"}, "alice");
    EXPECT_EQ(v, (TeamVerdicts{{"acme/sre", "member"}, {"acme/ops", "not_member"}}));
    EXPECT_EQ(asked(), 2);
    now += 59s;
    EXPECT_EQ(check(client, {"acme/sre", "acme/ops"}, "Alice"), v);
    EXPECT_EQ(asked(), 2) << "asked again within the ttl";
    now += 1s;
    EXPECT_EQ(check(client, {"acme/sre"}, "alice"), (TeamVerdicts{{"acme/sre", "member"}}));
    EXPECT_EQ(asked(), 3);
}

TEST_F(TeamMembershipClient, ErrorsAreVerdictsOfTheirOwnAndAreNotCached) {
    github::GitHubAuth auth(loop, token_auth);
    TeamMembership client(loop, auth, 60s, [&] { return now; });
    api.control("fail", {{"service", "github"}, {"count", 1}, {"status", 503}});
    auto v = check(client, {"acme/sre"}, "alice");
    ASSERT_EQ(v.count("acme/sre"), 1u);
    EXPECT_EQ(v["acme/sre"].rfind("error: checking whether alice is a member of acme/sre: GitHub "
                                  "answered 503",
                                  0),
              0u)
        << v["acme/sre"];
    EXPECT_EQ(check(client, {"acme/sre"}, "alice"), (TeamVerdicts{{"acme/sre", "member"}}));
}

TEST_F(TeamMembershipClient, AWrongTokenIsAnErrorNotANo) {
    github::GitHubAuth auth(loop, {api.url(), "ghp_wrong"});
    TeamMembership client(loop, auth, 60s, [&] { return now; });
    auto v = check(client, {"acme/sre"}, "alice");
    EXPECT_NE(v["acme/sre"].find("GitHub answered 401: Bad credentials"), std::string::npos)
        << v["acme/sre"];
}

TEST_F(TeamMembershipClient, AsAGitHubAppItUsesTheInstallationTokenOfTheRepository) {
    auto key = jwt::generate_rsa_private_key_pem(2048);
    ASSERT_TRUE(key);
    auto public_key = jwt::public_key_pem(*key);
    ASSERT_TRUE(public_key);
    api.control("github", {{"app_id", "4242"}, {"public_key", *public_key}});
    github::GitHubAuthConfig app{api.url(), "", "4242", *key};
    github::GitHubAuth auth(loop, app);
    TeamMembership client(loop, auth, 60s, [&] { return now; });
    EXPECT_EQ(check(client, {"acme/sre"}, "alice"), (TeamVerdicts{{"acme/sre", "member"}}));
    EXPECT_EQ(check(client, {"acme/ops"}, "alice"), (TeamVerdicts{{"acme/ops", "not_member"}}));
    auto tokens = api.state()["tokens"];
    ASSERT_EQ(tokens.size(), 1u) << "one installation token, reused";
    EXPECT_EQ(tokens[0]["installation"], kRepo.installation_id);
    EXPECT_TRUE(api.state()["github_rejections"].empty()) << api.recorded();
}

}  // namespace
}  // namespace strata::scheduler::testing
