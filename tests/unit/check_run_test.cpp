// Deployment states rendered as GitHub check runs: status and conclusion per state, the name, the
// summary (queue, plan, log link) and GitHub's size limit.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "check_run.hpp"

namespace strata::notifier {
namespace {

using nlohmann::json;

DeploymentState state(const std::string& name) {
    DeploymentState s;
    s.deployment_id = "9f1c2d3e-0000-5000-8000-000000000001";
    s.seq = 3;
    s.repo = {"acme/infra", "https://github.com/acme/infra.git", "main", 7};
    s.root = {"network", "envs/prod/network", "default", ""};
    s.revision = "1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5";
    s.kind = "deploy";
    s.trigger = "merge";
    s.user = "octocat";
    s.state = name;
    s.log_url = "https://strata.example/logs/9f1c2d3e";
    return s;
}

// A string is valid UTF-8 when nlohmann's strict dump accepts it.
bool valid_utf8(const std::string& s) {
    try {
        (void)json(s).dump();
        return true;
    } catch (const json::type_error&) {
        return false;
    }
}

int count(const std::string& text, const std::string& needle) {
    int n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + needle.size()))
        ++n;
    return n;
}

TEST(CheckRun, NameIsStrataDeployAndTheRoot) {
    EXPECT_EQ(check_run_name(state("queued")), "strata/deploy: network");
    auto plan = state("queued");
    plan.kind = "plan";
    EXPECT_EQ(check_run_name(plan), "strata/plan: network");
}

TEST(CheckRun, QueuedIsQueuedWithoutConclusion) {
    auto v = render_check_run(state("queued"));
    EXPECT_EQ(v.status, "queued");
    EXPECT_EQ(v.conclusion, "");
    EXPECT_EQ(v.title, "Queued");
}

TEST(CheckRun, PlanningAndApplyingAreInProgress) {
    auto planning = render_check_run(state("planning"));
    EXPECT_EQ(planning.status, "in_progress");
    EXPECT_EQ(planning.conclusion, "");
    EXPECT_EQ(planning.title, "Planning");
    auto applying = render_check_run(state("applying"));
    EXPECT_EQ(applying.status, "in_progress");
    EXPECT_EQ(applying.conclusion, "");
    EXPECT_EQ(applying.title, "Applying");
}

TEST(CheckRun, SucceededIsASuccess) {
    auto s = state("succeeded");
    s.reason = "should not be shown";
    auto v = render_check_run(s);
    EXPECT_EQ(v.status, "completed");
    EXPECT_EQ(v.conclusion, "success");
    EXPECT_EQ(v.summary.find("should not be shown"), std::string::npos);
}

TEST(CheckRun, FailedIsAFailureShowingTheReason) {
    auto s = state("failed");
    s.reason = "Error: creating S3 bucket: BucketAlreadyExists";
    auto v = render_check_run(s);
    EXPECT_EQ(v.status, "completed");
    EXPECT_EQ(v.conclusion, "failure");
    EXPECT_NE(v.summary.find("BucketAlreadyExists"), std::string::npos) << v.summary;
}

TEST(CheckRun, TimedOutSaysItWillNotBeRetried) {
    auto v = render_check_run(state("timed_out"));
    EXPECT_EQ(v.status, "completed");
    EXPECT_EQ(v.conclusion, "timed_out");
    EXPECT_NE(v.summary.find("will not be retried automatically"), std::string::npos) << v.summary;
}

TEST(CheckRun, CancelledIsCancelled) {
    auto v = render_check_run(state("cancelled"));
    EXPECT_EQ(v.status, "completed");
    EXPECT_EQ(v.conclusion, "cancelled");
}

TEST(CheckRun, RejectedAndSkippedAreSkipped) {
    for (const char* name : {"rejected", "skipped"}) {
        auto v = render_check_run(state(name));
        EXPECT_EQ(v.status, "completed") << name;
        EXPECT_EQ(v.conclusion, "skipped") << name;
    }
}

TEST(CheckRun, AwaitingReviewRequiresAction) {
    auto v = render_check_run(state("awaiting_review"));
    EXPECT_EQ(v.status, "completed");
    EXPECT_EQ(v.conclusion, "action_required");
}

TEST(CheckRun, SummaryNamesRootRevisionTriggerUserAndLogLink) {
    auto v = render_check_run(state("planning"));
    EXPECT_NE(v.summary.find("`network`"), std::string::npos) << v.summary;
    EXPECT_NE(v.summary.find("`1e2d3c4`"), std::string::npos) << v.summary;
    EXPECT_NE(v.summary.find("merge, by octocat"), std::string::npos) << v.summary;
    EXPECT_NE(v.summary.find("[Logs](https://strata.example/logs/9f1c2d3e)"), std::string::npos)
        << v.summary;
}

TEST(CheckRun, SummaryShowsThePlan) {
    auto s = state("awaiting_review");
    PlanSummary p;
    p.add = 1;
    p.change = 2;
    p.destroy = 3;
    p.replace = 1;
    p.resources = {"+ aws_s3_bucket.a", "-/+ aws_instance.db"};
    s.plan = p;
    auto v = render_check_run(s);
    EXPECT_NE(v.summary.find("1 to add, 2 to change, 3 to destroy, 1 to replace."),
              std::string::npos)
        << v.summary;
    EXPECT_NE(v.summary.find("-/+ aws_instance.db"), std::string::npos);
}

TEST(CheckRun, QueuedWithNothingAheadSaysSo) {
    auto v = render_check_run(state("queued"));
    EXPECT_NE(v.summary.find("No other runs ahead in queue."), std::string::npos) << v.summary;
    EXPECT_EQ(v.summary.find("Runs in queue:"), std::string::npos);
}

TEST(CheckRun, QueuedBehindOthersListsThemInOrder) {
    auto s = state("queued");
    s.queue_ahead = {{"d1", "aaaaaaa1111111", "manual"}, {"d2", "bbbbbbb2222222", "merge"}};
    auto v = render_check_run(s);
    EXPECT_NE(v.summary.find("Runs in queue:"), std::string::npos) << v.summary;
    EXPECT_EQ(v.summary.find("No other runs ahead in queue."), std::string::npos);
    auto first = v.summary.find("`aaaaaaa` (manual)");
    auto second = v.summary.find("`bbbbbbb` (merge)");
    ASSERT_NE(first, std::string::npos) << v.summary;
    ASSERT_NE(second, std::string::npos) << v.summary;
    EXPECT_LT(first, second);
}

TEST(CheckRun, HugeSummaryIsTruncatedKeepingTheLogLink) {
    auto s = state("failed");
    s.reason = std::string(100'000, 'x');
    auto v = render_check_run(s);
    EXPECT_LE(v.summary.size(), 65'535u);
    EXPECT_GT(v.summary.size(), 60'000u);
    EXPECT_NE(v.summary.find("truncated"), std::string::npos);
    auto link = v.summary.rfind("https://strata.example/logs/9f1c2d3e");
    ASSERT_NE(link, std::string::npos);
    EXPECT_EQ(link + std::string("https://strata.example/logs/9f1c2d3e").size(), v.summary.size());
}

TEST(CheckRun, TruncationClosesACodeBlockSoTheLinkIsNotInsideIt) {
    auto s = state("failed");
    s.reason = std::string(100'000, 'x');
    auto v = render_check_run(s);
    EXPECT_EQ(count(v.summary, "```") % 2, 0) << "unbalanced code fences before the log link";
}

TEST(CheckRun, TruncationDoesNotCutAMultiByteCharacter) {
    for (int shift = 0; shift < 4; ++shift) {
        auto s = state("failed");
        s.reason = std::string(static_cast<std::size_t>(shift), 'x');
        for (int i = 0; i < 40'000; ++i) s.reason += "é€";  // 2- and 3-byte sequences
        auto v = render_check_run(s);
        EXPECT_LE(v.summary.size(), 65'535u);
        EXPECT_TRUE(valid_utf8(v.summary)) << "shift " << shift;
    }
}

TEST(CheckRun, TruncationWithoutALogLinkStillEndsWithANote) {
    auto s = state("failed");
    s.log_url.clear();
    s.reason = std::string(70'000, 'y');
    auto v = render_check_run(s);
    EXPECT_LE(v.summary.size(), 65'535u);
    EXPECT_NE(v.summary.find("truncated"), std::string::npos);
}

TEST(CheckRun, CreateBodyCarriesNameShaExternalIdAndDetailsUrl) {
    auto body = json::parse(check_run_body(state("queued"), true));
    EXPECT_EQ(body["name"], "strata/deploy: network");
    EXPECT_EQ(body["head_sha"], "1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5");
    EXPECT_EQ(body["external_id"], "9f1c2d3e-0000-5000-8000-000000000001");
    EXPECT_EQ(body["details_url"], "https://strata.example/logs/9f1c2d3e");
    EXPECT_EQ(body["status"], "queued");
    EXPECT_FALSE(body.contains("conclusion"));
    EXPECT_EQ(body["output"]["title"], "Queued");
}

TEST(CheckRun, UpdateBodyCarriesConclusionButNotCreateFields) {
    auto body = json::parse(check_run_body(state("succeeded"), false));
    EXPECT_FALSE(body.contains("name"));
    EXPECT_FALSE(body.contains("head_sha"));
    EXPECT_EQ(body["status"], "completed");
    EXPECT_EQ(body["conclusion"], "success");
}

}  // namespace
}  // namespace strata::notifier
