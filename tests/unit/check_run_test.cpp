// Deployment states rendered as GitHub check runs: status, conclusion and buttons per state, the
// words people read (what happened, what is required of them, plan, queue, who), GitHub's limits
// (actions, labels, sizes) and the REST API bodies. The full texts are in the golden files
// (notifier_golden_test.cpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "check_run.hpp"
#include "notifier_golden_fixtures.hpp"

namespace strata::notifier {
namespace {

using golden::deploy;
using nlohmann::json;

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

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

TEST(CheckRun, IsNamedAfterTheRootAndKind) {
    EXPECT_EQ(check_run_name(deploy("queued")), "strata/deploy: network");
    EXPECT_EQ(check_run_name(golden::pr_plan("queued")), "strata/plan: network");
}

TEST(CheckRun, EveryStateMapsToTheStatusAndConclusionPeopleExpect) {
    const std::vector<std::array<std::string, 3>> mapping = {
        {"queued", "queued", ""},
        {"planning", "in_progress", ""},
        {"confirmed", "in_progress", ""},
        {"applying", "in_progress", ""},
        {"locked", "completed", "action_required"},
        {"awaiting_review", "completed", "action_required"},
        {"succeeded", "completed", "success"},
        {"failed", "completed", "failure"},
        {"timed_out", "completed", "timed_out"},
        {"rejected", "completed", "skipped"},
        {"review_timed_out", "completed", "skipped"},
        {"skipped", "completed", "skipped"},
        {"cancelled", "completed", "cancelled"}};
    for (const auto& [state, status, conclusion] : mapping) {
        auto v = render_check_run(deploy(state));
        EXPECT_EQ(v.status, status) << state;
        EXPECT_EQ(v.conclusion, conclusion) << state;
    }
}

TEST(CheckRun, ALockedMergeDeployOffersUnlock) {
    auto v = render_check_run(deploy("locked"));
    ASSERT_EQ(v.actions.size(), 1u);
    EXPECT_EQ(v.actions[0].label, "Unlock");
    EXPECT_EQ(v.actions[0].identifier, "unlock");
    EXPECT_EQ(v.actions[0].description, "Unlock this plan to proceed");
    EXPECT_TRUE(contains(v.summary, "press **Unlock**")) << v.summary;
}

TEST(CheckRun, APlanAwaitingReviewOffersConfirmAndReject) {
    auto v = render_check_run(deploy("awaiting_review"));
    ASSERT_EQ(v.actions.size(), 2u);
    EXPECT_EQ(v.actions[0].label, "Confirm");
    EXPECT_EQ(v.actions[0].identifier, "confirm");
    EXPECT_EQ(v.actions[0].description, "Confirm this plan to proceed to apply");
    EXPECT_EQ(v.actions[1].label, "Reject");
    EXPECT_EQ(v.actions[1].identifier, "reject");
    EXPECT_EQ(v.actions[1].description, "Reject this plan to prevent the apply");
    EXPECT_EQ(v.title, "Waiting for review: 2 to add, 1 to change, 0 to destroy");
    EXPECT_TRUE(contains(v.summary, "It was triggered manually, so its plan needs a review."))
        << v.summary;
}

TEST(CheckRun, NoOtherStateHasButtons) {
    for (const char* state : {"queued", "planning", "confirmed", "applying", "succeeded", "failed",
                              "timed_out", "rejected", "cancelled"})
        EXPECT_TRUE(render_check_run(deploy(state)).actions.empty()) << state;
}

TEST(CheckRun, ATimedOutApplyTellsTheReaderToReRun) {
    auto v = render_check_run(deploy("timed_out"));
    EXPECT_EQ(v.title, "Timed out: re-run to deploy");
    EXPECT_TRUE(contains(v.summary, "It will not be retried automatically")) << v.summary;
    EXPECT_TRUE(contains(v.summary, "press **Re-run** on this check to deploy again")) << v.summary;
}

TEST(CheckRun, TheSummaryShowsWhoTriggeredConfirmedAndUnlocked) {
    auto s = deploy("applying");
    s.unlocked_by = "monalisa";
    auto v = render_check_run(s);
    EXPECT_TRUE(contains(v.summary, "- Triggered by @octocat: manual deploy")) << v.summary;
    EXPECT_TRUE(contains(v.summary, "- Confirmed by @hubot at 2026-11-20 22:44:03 UTC"))
        << v.summary;
    EXPECT_TRUE(contains(v.summary, "- Unlocked by @monalisa")) << v.summary;
    EXPECT_TRUE(contains(v.summary,
                         "[Live log](https://strata.example/jobs/" + golden::kDeploymentId + ")"));
    EXPECT_EQ(v.details_url, "https://strata.example/jobs/" + golden::kDeploymentId);
}

TEST(CheckRun, TheQueueListsTheRunsAheadWithLinksOrSaysThereAreNone) {
    auto alone = render_check_run(deploy("queued"));
    EXPECT_TRUE(contains(alone.summary, "No other runs ahead in queue.")) << alone.summary;
    auto s = deploy("queued");
    s.queue_ahead = {{"d1", "aaaaaaa1111111", "manual"}, {"d2", "bbbbbbb2222222", "merge"}};
    RenderLinks links;
    links.check_run_urls["d1"] = "https://github.com/acme/infra/runs/11";
    auto v = render_check_run(s, links);
    EXPECT_FALSE(contains(v.summary, "No other runs ahead in queue."));
    auto first =
        v.summary.find("1. [`aaaaaaa`](https://github.com/acme/infra/runs/11) manual deploy");
    auto second = v.summary.find(
        "2. [`bbbbbbb`](https://github.com/acme/infra/commit/bbbbbbb2222222) merge deploy");
    ASSERT_NE(first, std::string::npos) << v.summary;
    ASSERT_NE(second, std::string::npos) << v.summary;
    EXPECT_LT(first, second);
    EXPECT_TRUE(contains(v.summary, "Runs in queue:"));
}

TEST(CheckRun, ALongResourceListIsFoldedAndTheFullListGoesToTheText) {
    auto s = deploy("awaiting_review");
    s.plan->resources.clear();
    for (int i = 0; i < 120; ++i)
        s.plan->resources.push_back("+ aws_route53_record.r[" + std::to_string(i) + "]");
    auto v = render_check_run(s);
    EXPECT_TRUE(contains(v.summary, "<details><summary>120 resources</summary>")) << v.summary;
    EXPECT_TRUE(contains(v.summary, "… and 70 more.")) << v.summary;
    EXPECT_FALSE(contains(v.summary, "r[119]"));
    EXPECT_TRUE(contains(v.text, "r[119]"));
    auto short_plan = render_check_run(deploy("awaiting_review"));
    EXPECT_FALSE(contains(short_plan.summary, "<details>")) << "three resources need no folding";
    EXPECT_TRUE(short_plan.text.empty());
}

TEST(CheckRun, AHugeSummaryIsCutCleanlyEndingWithTheLogLink) {
    auto s = deploy("failed");
    s.reason = std::string(100'000, 'x');
    auto v = render_check_run(s);
    EXPECT_LE(v.summary.size(), 65'535u);
    EXPECT_GT(v.summary.size(), 60'000u);
    EXPECT_EQ(count(v.summary, "```") % 2, 0) << "a code block left open";
    std::string tail =
        "[The full log](https://strata.example/jobs/" + golden::kDeploymentId + ")\n";
    ASSERT_GE(v.summary.size(), tail.size());
    EXPECT_EQ(v.summary.substr(v.summary.size() - tail.size()), tail);
    EXPECT_TRUE(contains(v.summary, "Cut to fit GitHub's limit of 65,535 characters."));
}

TEST(CheckRun, CuttingNeverSplitsACharacterOrLeavesAFoldOpen) {
    for (int shift = 0; shift < 4; ++shift) {
        auto s = deploy("failed");
        s.reason = std::string(static_cast<std::size_t>(shift), 'x');
        for (int i = 0; i < 40'000; ++i) s.reason += "é€";
        auto v = render_check_run(s);
        EXPECT_LE(v.summary.size(), 65'535u);
        EXPECT_TRUE(valid_utf8(v.summary)) << "shift " << shift;
    }
    auto s = deploy("awaiting_review");
    s.plan->resources.assign(40, std::string(3'000, 'r'));
    auto v = render_check_run(s);
    EXPECT_LE(v.summary.size(), 65'535u);
    EXPECT_EQ(count(v.summary, "<details>"), count(v.summary, "</details>")) << "a fold left open";
    EXPECT_LE(v.text.size(), 65'535u);
}

TEST(CheckRun, WithoutALogLinkACutSummaryStillEndsWithANote) {
    auto s = deploy("failed");
    s.log_url.clear();
    s.reason = std::string(70'000, 'y');
    auto v = render_check_run(s);
    EXPECT_LE(v.summary.size(), 65'535u);
    EXPECT_TRUE(contains(v.summary, "See the full log."));
}

TEST(CheckRunLimits, ActionsAreCutToGitHubsLimits) {
    CheckRunView v;
    v.actions = {{"A label far longer than twenty", "an-identifier-longer-than-20",
                  "A description that is much longer than forty characters"},
                 {"b", "b", "b"},
                 {"c", "c", "c"},
                 {"d", "d", "d"}};
    enforce_github_limits(v);
    ASSERT_EQ(v.actions.size(), 3u);
    EXPECT_EQ(v.actions[0].label, "A label far longer t");
    EXPECT_EQ(v.actions[0].identifier, "an-identifier-longer");
    EXPECT_EQ(v.actions[0].description, "A description that is much longer than f");
    v.actions = {{"Ünlöck ünlöck ünlöck ü", "u", "d"}};
    enforce_github_limits(v);
    EXPECT_EQ(v.actions[0].label, "Ünlöck ünlöck ünlöck") << "characters, not bytes";
}

TEST(CheckRunBody, CreateCarriesNameShaExternalIdAndDetailsUrl) {
    auto body = json::parse(check_run_body(render_check_run(deploy("queued")), true));
    EXPECT_EQ(body["name"], "strata/deploy: network");
    EXPECT_EQ(body["head_sha"], golden::kRevision);
    EXPECT_EQ(body["external_id"], golden::kDeploymentId);
    EXPECT_EQ(body["details_url"], "https://strata.example/jobs/" + golden::kDeploymentId);
    EXPECT_EQ(body["status"], "queued");
    EXPECT_FALSE(body.contains("conclusion"));
    EXPECT_FALSE(body.contains("actions"));
    EXPECT_EQ(body["output"]["title"], "Queued");
}

TEST(CheckRunBody, UpdateCarriesTheButtonsOrClearsThem) {
    auto review = json::parse(check_run_body(render_check_run(deploy("awaiting_review")), false));
    EXPECT_FALSE(review.contains("name"));
    EXPECT_FALSE(review.contains("head_sha"));
    EXPECT_EQ(review["conclusion"], "action_required");
    EXPECT_EQ(review["actions"].size(), 2u);
    auto applying = json::parse(check_run_body(render_check_run(deploy("applying")), false));
    EXPECT_EQ(applying["actions"], json::array()) << "the buttons must go once confirmed";
    EXPECT_FALSE(applying.contains("conclusion"));
}

TEST(CheckRunEvents, AnInvalidConfigFailsPointingAtTheFileAndLine) {
    ConfigInvalid e{{"acme/infra", "https://github.com/acme/infra.git", "main", 7},
                    golden::kRevision,
                    "strata.yaml",
                    12,
                    "duplicate root name 'network'",
                    0};
    auto v = render_config_invalid(e);
    EXPECT_EQ(v.name, "strata/config");
    EXPECT_EQ(v.conclusion, "failure");
    EXPECT_EQ(v.title, "strata.yaml is invalid (line 12)");
    ASSERT_EQ(v.annotations.size(), 1u);
    EXPECT_EQ(v.annotations[0].path, "strata.yaml");
    EXPECT_EQ(v.annotations[0].start_line, 12);
    EXPECT_EQ(v.annotations[0].level, "failure");
    EXPECT_EQ(v.details_url,
              "https://github.com/acme/infra/blob/" + golden::kRevision + "/strata.yaml#L12");
    auto body = json::parse(check_run_body(v, true));
    EXPECT_EQ(body["output"]["annotations"][0]["message"], "duplicate root name 'network'");
    e.line = 0;
    auto unknown_line = render_config_invalid(e);
    EXPECT_EQ(unknown_line.annotations[0].start_line, 1) << "GitHub needs a line";
    EXPECT_EQ(unknown_line.title, "strata.yaml is invalid");
}

TEST(CheckRunEvents, ARefusedRequestIsReportedWithItsReason) {
    RequestRefused e{{"acme/infra", "https://github.com/acme/infra.git", "main", 7},
                     "network",
                     golden::kRevision,
                     "rerun",
                     "octocat",
                     "Reruns are only supported on the most recent deploy",
                     "d1"};
    auto v = render_request_refused(e);
    EXPECT_EQ(v.name, "strata/rerun: network");
    EXPECT_EQ(v.conclusion, "neutral");
    EXPECT_EQ(v.title, "Rerun refused");
    EXPECT_TRUE(contains(v.summary, "> Reruns are only supported on the most recent deploy"))
        << v.summary;
}

}  // namespace
}  // namespace strata::notifier
