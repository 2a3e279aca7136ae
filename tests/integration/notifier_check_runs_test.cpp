// The notifier's GitHub check runs against the GitHub test double (strata-fake-api) with real
// RabbitMQ and Redis: a deploy's whole lifecycle, out-of-order messages, an outage of GitHub
// (500s, then 429 with Retry-After, then recovery) during 200 state changes, GitHub App tokens
// refreshed when they expire, and a config.invalid check run.
#include <gtest/gtest.h>

#include <set>

#include "check_run.hpp"
#include "notifier_support.hpp"
#include "strata/jwt.hpp"

namespace strata::notifier_testing {
namespace {

using testing::run_until;
using testing::unique_name;

class NotifierCheckRuns : public ::testing::Test {
protected:
    void TearDown() override {
        notifier.reset();
        delete_queues(exchange);
    }

    void start(std::map<std::string, std::string> options = {}) {
        options.emplace("STRATA_GITHUB_API_URL", api.url());
        options.emplace("STRATA_GITHUB_TOKEN", "ghp_integration");
        options.emplace("STRATA_DELIVERY_BASE_DELAY", "50ms");
        options.emplace("STRATA_DELIVERY_MAX_DELAY", "400ms");
        options.emplace("STRATA_DELIVERY_MAX_ATTEMPTS", "40");
        options.emplace("STRATA_GITHUB_PR_COMMENTS", "false");
        notifier = std::make_unique<NotifierUnderTest>(loop, exchange, prefix, options);
    }

    // Waits until the deployment's check run shows `status` (and `conclusion`) at GitHub.
    bool wait_for(const std::string& id, const std::string& status,
                  const std::string& conclusion = "", std::chrono::milliseconds deadline = 20s) {
        json run;
        bool ok = poll(
            loop,
            [&] {
                run = api.check_run(id);
                return run.is_object() && run.value("status", "") == status &&
                       run.value("conclusion", "") == conclusion;
            },
            deadline);
        if (!ok) {
            auto state = api.state();
            ADD_FAILURE() << "check run of " << id << " is " << run.dump(2).substr(0, 600)
                          << "\nrequests: " << state["requests"].dump()
                          << "\nrejections: " << state["github_rejections"].dump()
                          << "\nrecorded:\n"
                          << api.recorded().substr(0, 3000);
        }
        return ok;
    }

    Loop loop;
    FakeApi api;
    std::string exchange = unique_name("notifier-it");
    std::string prefix = unique_name("notifier-it");
    std::unique_ptr<NotifierUnderTest> notifier;
};

TEST_F(NotifierCheckRuns, ADeployThatNeedsConfirmGoesThroughEveryCheckRunStatus) {
    start();
    auto d = deployment("dep-lifecycle");
    PlanSummary plan;
    plan.add = 1;
    plan.resources = {"+ aws_s3_bucket.logs"};
    ASSERT_TRUE(notifier->publish(at(d, 1, "queued")));
    ASSERT_TRUE(wait_for("dep-lifecycle", "queued"));
    ASSERT_TRUE(notifier->publish(at(d, 2, "planning")));
    ASSERT_TRUE(wait_for("dep-lifecycle", "in_progress"));
    auto review = at(d, 3, "awaiting_review");
    review.plan = plan;
    ASSERT_TRUE(notifier->publish(review));
    ASSERT_TRUE(wait_for("dep-lifecycle", "completed", "action_required"));
    auto run = api.check_run("dep-lifecycle");
    ASSERT_EQ(run["actions"].size(), 2u) << run.dump(2);
    EXPECT_EQ(run["actions"][0]["identifier"], "confirm");
    EXPECT_EQ(run["actions"][0]["description"], "Confirm this plan to proceed to apply");
    EXPECT_EQ(run["actions"][1]["identifier"], "reject");
    EXPECT_EQ(run["actions"][1]["description"], "Reject this plan to prevent the apply");
    auto applying = at(d, 4, "applying");
    applying.plan = plan;
    applying.approved_by = {"hubot"};
    ASSERT_TRUE(notifier->publish(applying));
    ASSERT_TRUE(wait_for("dep-lifecycle", "in_progress"));
    EXPECT_TRUE(api.check_run("dep-lifecycle")["actions"].empty()) << "buttons stay after Confirm";
    auto done = at(applying, 5, "succeeded");
    ASSERT_TRUE(notifier->publish(done));
    ASSERT_TRUE(wait_for("dep-lifecycle", "completed", "success"));

    run = api.check_run("dep-lifecycle");
    EXPECT_EQ(run["name"], "strata/deploy: network");
    EXPECT_EQ(run["details_url"], d.log_url);
    EXPECT_EQ(run["head_sha"], d.revision);
    EXPECT_EQ(api.state()["check_runs"].size(), 1u) << "one check run per deployment";
    std::vector<std::string> seen;
    for (const auto& h : run["history"])
        seen.push_back(h["status"].get<std::string>() + "/" + h["conclusion"].get<std::string>());
    EXPECT_EQ(seen,
              (std::vector<std::string>{"queued/", "in_progress/", "completed/action_required",
                                        "in_progress/", "completed/success"}));
    EXPECT_TRUE(api.state()["github_rejections"].empty()) << api.state()["github_rejections"];
}

TEST_F(NotifierCheckRuns, ALateMessageNeverOverwritesANewerState) {
    start();
    auto d = deployment("dep-late");
    ASSERT_TRUE(notifier->publish(at(d, 1, "queued")));
    ASSERT_TRUE(wait_for("dep-late", "queued"));
    ASSERT_TRUE(notifier->publish(at(d, 3, "applying")));
    ASSERT_TRUE(wait_for("dep-late", "in_progress"));
    // seq 2 (planning) arrives after seq 3, and a redelivered seq 1 after that.
    ASSERT_TRUE(notifier->publish(at(d, 2, "planning")));
    ASSERT_TRUE(notifier->publish(at(d, 1, "queued")));
    ASSERT_TRUE(notifier->publish(at(d, 4, "succeeded")));
    ASSERT_TRUE(wait_for("dep-late", "completed", "success"));
    auto run = api.check_run("dep-late");
    std::vector<std::string> titles;
    for (const auto& h : run["history"]) titles.push_back(h["title"]);
    EXPECT_EQ(titles, (std::vector<std::string>{"Queued", "Applying", "No changes"}))
        << "the late planning and queued states were sent: " << run["history"].dump();
}

// 200 state changes over 20 deployments while GitHub fails: 30 answers of 500, then 10 of 429
// with Retry-After, then it recovers. Every check run ends in the last state, and none went
// backwards on the way.
TEST_F(NotifierCheckRuns, AnOutageDuring200StateChangesEndsWithEveryCheckRunInItsLastState) {
    start();
    api.control("fail", {{"service", "github"}, {"count", 30}, {"status", 500}});
    api.control("fail",
                {{"service", "github"}, {"count", 10}, {"status", 429}, {"retry_after", 1}});
    const std::vector<std::string> states = {"queued",   "planning", "awaiting_review", "confirmed",
                                             "applying", "applying", "applying",        "applying",
                                             "applying", "succeeded"};
    std::map<std::string, int> order;  // title -> position in the lifecycle
    std::vector<std::string> ids;
    for (int i = 0; i < 20; ++i) ids.push_back("dep-outage-" + std::to_string(i));
    for (std::size_t step = 0; step < states.size(); ++step) {
        for (const auto& id : ids) {
            auto s = at(deployment(id, "root" + id.substr(11)), static_cast<long long>(step + 1),
                        states[step]);
            s.reason = "step " + std::to_string(step);  // distinct applying states
            ASSERT_TRUE(notifier->publish(s));
        }
    }
    for (const auto& id : ids) ASSERT_TRUE(wait_for(id, "completed", "success", 60s)) << id;
    auto state = api.state();
    EXPECT_EQ(state["check_runs"].size(), ids.size())
        << "a check run per deployment, no duplicates";
    // The order a person sees: queued, in_progress (planning), action_required (review),
    // in_progress (confirmed, applying), success. Repeats are fine; going back is not.
    for (const auto& run : state["check_runs"]) {
        int last = -1;
        for (const auto& h : run["history"]) {
            std::string shown =
                h["status"].get<std::string>() + "/" + h["conclusion"].get<std::string>();
            int r = shown == "queued/"                     ? 0
                    : shown == "in_progress/"              ? (last >= 2 ? 3 : 1)
                    : shown == "completed/action_required" ? 2
                    : shown == "completed/success"         ? 4
                                                           : -1;
            EXPECT_GE(r, last) << run["external_id"] << " went back: " << run["history"].dump();
            last = std::max(last, r);
        }
        EXPECT_EQ(last, 4) << run["external_id"];
    }
    EXPECT_GE(state["requests"]["github"].get<int>(), 40) << "the outage was not hit";
    EXPECT_TRUE(state["github_rejections"].empty()) << state["github_rejections"];
}

TEST_F(NotifierCheckRuns, AnExpiredInstallationTokenIsRefreshedAndTheUpdateGoesThrough) {
    auto key = jwt::generate_rsa_private_key_pem(2048);
    ASSERT_TRUE(key) << key.error().message;
    auto public_key = jwt::public_key_pem(*key);
    ASSERT_TRUE(public_key);
    api.control(
        "github",
        {{"app_id", "4242"}, {"public_key", *public_key}, {"tokens", {"ghp_not_this_one"}}});
    start({{"STRATA_GITHUB_TOKEN", ""},
           {"STRATA_GITHUB_APP_ID", "4242"},
           {"STRATA_GITHUB_APP_PRIVATE_KEY", *key}});
    auto d = deployment("dep-token");
    ASSERT_TRUE(notifier->publish(at(d, 1, "queued")));
    ASSERT_TRUE(wait_for("dep-token", "queued"));
    ASSERT_EQ(api.state()["tokens"].size(), 1u)
        << "one installation token, fetched with the App JWT";

    // The next update reuses the cached token.
    ASSERT_TRUE(notifier->publish(at(d, 2, "planning")));
    ASSERT_TRUE(wait_for("dep-token", "in_progress"));
    EXPECT_EQ(api.state()["tokens"].size(), 1u) << "a valid token was not reused";

    // GitHub expires it: the notifier's next request gets a 401, fetches a new token, succeeds.
    api.control("github/expire-tokens", json::object());
    ASSERT_TRUE(notifier->publish(at(d, 3, "succeeded")));
    ASSERT_TRUE(wait_for("dep-token", "completed", "success"));
    auto state = api.state();
    ASSERT_EQ(state["tokens"].size(), 2u) << state.dump(2);
    EXPECT_TRUE(state["tokens"][0]["expired"] != state["tokens"][1]["expired"]);
    bool refused_once = false;
    for (const auto& why : state["github_rejections"])
        refused_once =
            refused_once || why.get<std::string>().find("Bad credentials") != std::string::npos;
    EXPECT_TRUE(refused_once) << "the expired token was never refused: "
                              << state["github_rejections"];
}

TEST_F(NotifierCheckRuns, ATokenNearItsExpiryIsReplacedBeforeUse) {
    auto key = jwt::generate_rsa_private_key_pem(2048);
    ASSERT_TRUE(key);
    api.control("github", {{"app_id", "4242"},
                           {"public_key", *jwt::public_key_pem(*key)},
                           {"token_ttl_seconds", 120}});
    // Tokens live 2 minutes; the notifier replaces them 5 minutes before expiry: every request
    // needs a fresh one, and GitHub never sees an expiring token refused.
    start({{"STRATA_GITHUB_TOKEN", ""},
           {"STRATA_GITHUB_APP_ID", "4242"},
           {"STRATA_GITHUB_APP_PRIVATE_KEY", *key},
           {"STRATA_GITHUB_TOKEN_REFRESH_MARGIN", "5m"}});
    auto d = deployment("dep-margin");
    ASSERT_TRUE(notifier->publish(at(d, 1, "queued")));
    ASSERT_TRUE(wait_for("dep-margin", "queued"));
    ASSERT_TRUE(notifier->publish(at(d, 2, "planning")));
    ASSERT_TRUE(wait_for("dep-margin", "in_progress"));
    auto state = api.state();
    EXPECT_EQ(state["tokens"].size(), 2u) << "the token within the margin was reused";
    EXPECT_TRUE(state["github_rejections"].empty()) << state["github_rejections"];
}

TEST_F(NotifierCheckRuns, AnInvalidConfigBecomesAFailedCheckRunAnnotatingTheLine) {
    start();
    ConfigInvalid e;
    e.repo = {"acme/infra", "https://github.com/acme/infra.git", "main", 7};
    e.revision = "1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5";
    e.file = "strata.yaml";
    e.line = 12;
    e.message = "roots[2].dir: '../outside' escapes the repository";
    ASSERT_TRUE(notifier->publish(e));
    ASSERT_TRUE(wait_for("config:" + e.revision, "completed", "failure"));
    auto run = api.check_run("config:" + e.revision);
    EXPECT_EQ(run["name"], "strata/config");
    const auto& annotation = run["output"]["annotations"][0];
    EXPECT_EQ(annotation["path"], "strata.yaml");
    EXPECT_EQ(annotation["start_line"], 12);
    EXPECT_EQ(annotation["annotation_level"], "failure");
    EXPECT_NE(run["output"]["summary"].get<std::string>().find("escapes the repository"),
              std::string::npos);
    EXPECT_NE(
        run["details_url"].get<std::string>().find("/blob/" + e.revision + "/strata.yaml#L12"),
        std::string::npos);
}

TEST_F(NotifierCheckRuns, ARejectedUpdateIsDeadLetteredAndLaterStatesStillGoThrough) {
    start({{"STRATA_DELIVERY_MAX_ATTEMPTS", "3"}});
    auto d = deployment("dep-dead");
    ASSERT_TRUE(notifier->publish(at(d, 1, "queued")));
    ASSERT_TRUE(wait_for("dep-dead", "queued"));
    // GitHub fails every request for a while: the update is given up after 3 attempts.
    api.control("fail", {{"service", "github"}, {"count", 3}, {"status", 502}});
    ASSERT_TRUE(notifier->publish(at(d, 2, "planning")));
    auto& dead = notifier->metrics().counter("strata_notifier_dead_lettered_total", "",
                                             {{"channel", "github"}});
    ASSERT_TRUE(run_until(
        loop, [&] { return dead.value() == 1; }, 20s))
        << "not dead-lettered";
    ASSERT_TRUE(notifier->publish(at(d, 3, "succeeded")));
    ASSERT_TRUE(wait_for("dep-dead", "completed", "success"));
}

TEST_F(NotifierCheckRuns, AnExhaustedRateLimitPausesUpdatesUntilItsReset) {
    // Two requests left in this hour's budget, reset in 2 s: the notifier sees remaining 0 on
    // the second answer and holds the others until the reset instead of being refused.
    api.control("github", {{"rate_limit", {{"limit", 5}, {"remaining", 2}, {"reset_in", 2}}}});
    start();
    for (int i = 0; i < 4; ++i)
        ASSERT_TRUE(
            notifier->publish(at(deployment("dep-budget-" + std::to_string(i)), 1, "queued")));
    for (int i = 0; i < 4; ++i)
        ASSERT_TRUE(wait_for("dep-budget-" + std::to_string(i), "queued", "", 30s));
    auto state = api.state();
    EXPECT_EQ(state["rate_limited"], 0) << "requests were sent into an exhausted budget";
    EXPECT_EQ(state["requests"]["github"], 4);
}

TEST_F(NotifierCheckRuns, ACheckRunGitHubNoLongerKnowsIsCreatedAgainInTheLatestState) {
    start();
    auto d = deployment("dep-gone");
    ASSERT_TRUE(notifier->publish(at(d, 1, "queued")));
    ASSERT_TRUE(wait_for("dep-gone", "queued"));
    api.control("github/forget-check-runs", json::object());
    ASSERT_TRUE(notifier->publish(at(d, 2, "planning")));
    ASSERT_TRUE(wait_for("dep-gone", "in_progress"));
    EXPECT_EQ(api.state()["check_runs"].size(), 1u);
}

}  // namespace
}  // namespace strata::notifier_testing
