// Each GitHub event Strata uses becomes its own event message with the fields mapped; the actions
// Strata does not act on are ignored with a reason; payloads lacking what an event needs are
// errors (400). Payloads here are trimmed-down copies of GitHub's.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "strata/messages.hpp"
#include "webhook.hpp"

namespace strata::ingest {
namespace {

using nlohmann::json;

const std::string kSha1 = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const std::string kSha2 = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";

json repo_doc() {
    return {{"repository",
             {{"full_name", "acme/infra"},
              {"clone_url", "https://github.com/acme/infra.git"},
              {"default_branch", "main"}}},
            {"installation", {{"id", 42}}},
            {"sender", {{"login", "alice"}}}};
}

template <class T>
T normalized_as(const std::string& event, const json& doc, const std::string& delivery = "d-1") {
    auto outcome = normalize(event, delivery, doc.dump());
    EXPECT_TRUE(outcome.ok()) << (outcome.ok() ? "" : outcome.error().message);
    if (!outcome.ok() || !std::holds_alternative<Normalized>(*outcome)) {
        ADD_FAILURE() << event << " was not normalised";
        return T{};
    }
    const auto& n = std::get<Normalized>(*outcome);
    EXPECT_EQ(n.type, T::kType);
    auto m = decode<T>(n.body);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    if (!m.ok()) return T{};
    EXPECT_EQ(m->envelope.correlation_id, delivery);
    EXPECT_EQ(m->envelope.producer, "ingest");
    return m->payload;
}

Ignored ignored_as(const std::string& event, const json& doc) {
    auto outcome = normalize(event, "d-ignored", doc.dump());
    EXPECT_TRUE(outcome.ok()) << (outcome.ok() ? "" : outcome.error().message);
    if (!outcome.ok() || !std::holds_alternative<Ignored>(*outcome)) {
        ADD_FAILURE() << event << " was not ignored";
        return {};
    }
    return std::get<Ignored>(*outcome);
}

json pull_request_doc(const std::string& action) {
    json doc = repo_doc();
    doc["action"] = action;
    doc["pull_request"] = {{"number", 7},
                           {"merged", false},
                           {"draft", true},
                           {"user", {{"login", "bob"}}},
                           {"base", {{"ref", "main"}, {"sha", kSha1}}},
                           {"head", {{"ref", "feature"}, {"sha", kSha2}}}};
    return doc;
}

TEST(IngestEvents, PullRequestIsNormalizedWithBaseHeadAndMergeState) {
    for (const char* action : {"opened", "synchronize", "reopened", "ready_for_review", "closed"}) {
        auto e = normalized_as<PullRequestEvent>("pull_request", pull_request_doc(action));
        EXPECT_EQ(e.action, action);
        EXPECT_EQ(e.repo.full_name, "acme/infra");
        EXPECT_EQ(e.repo.installation_id, 42);
        EXPECT_EQ(e.number, 7);
        EXPECT_EQ(e.base_ref, "main");
        EXPECT_EQ(e.base_sha, kSha1);
        EXPECT_EQ(e.head_ref, "feature");
        EXPECT_EQ(e.head_sha, kSha2);
        EXPECT_FALSE(e.merged);
        EXPECT_TRUE(e.draft);
        EXPECT_EQ(e.user, "alice");
    }
}

TEST(IngestEvents, MergedPullRequestCarriesMerged) {
    auto doc = pull_request_doc("closed");
    doc["pull_request"]["merged"] = true;
    EXPECT_TRUE(normalized_as<PullRequestEvent>("pull_request", doc).merged);
}

TEST(IngestEvents, PullRequestActionsStrataDoesNotActOnAreIgnored) {
    for (const char* action : {"labeled", "assigned", "review_requested", "converted_to_draft"}) {
        auto ignored = ignored_as("pull_request", pull_request_doc(action));
        EXPECT_EQ(ignored.code, std::string("action:") + action);
        EXPECT_EQ(ignored.repository, "acme/infra");
        EXPECT_NE(ignored.reason.find(action), std::string::npos);
    }
}

TEST(IngestEvents, PullRequestWithoutItsHeadIsAnError) {
    auto doc = pull_request_doc("opened");
    doc["pull_request"].erase("head");
    EXPECT_FALSE(normalize("pull_request", "d", doc.dump()).ok());
}

json check_run_doc(const std::string& action) {
    json doc = repo_doc();
    doc["action"] = action;
    doc["check_run"] = {{"id", 99},
                        {"name", "strata/deploy: app"},
                        {"external_id", "dep-1"},
                        {"head_sha", kSha1},
                        {"check_suite", {{"head_branch", "main"}}}};
    return doc;
}

TEST(IngestEvents, CheckRunButtonIsNormalizedWithItsIdentifier) {
    auto doc = check_run_doc("requested_action");
    doc["requested_action"] = {{"identifier", "confirm"}};
    auto e = normalized_as<CheckRunEvent>("check_run", doc);
    EXPECT_EQ(e.action, "requested_action");
    EXPECT_EQ(e.identifier, "confirm");
    EXPECT_EQ(e.check_run_id, 99);
    EXPECT_EQ(e.name, "strata/deploy: app");
    EXPECT_EQ(e.external_id, "dep-1");
    EXPECT_EQ(e.head_sha, kSha1);
    EXPECT_EQ(e.head_branch, "main");
    EXPECT_EQ(e.user, "alice");
}

TEST(IngestEvents, CheckRunRerunWithNullHeadBranchHasAnEmptyHeadBranch) {
    auto doc = check_run_doc("rerequested");
    doc["check_run"]["check_suite"]["head_branch"] = nullptr;
    auto e = normalized_as<CheckRunEvent>("check_run", doc);
    EXPECT_EQ(e.action, "rerequested");
    EXPECT_EQ(e.head_branch, "");
    EXPECT_EQ(e.identifier, "");
}

TEST(IngestEvents, CheckRunButtonWithoutIdentifierIsAnError) {
    EXPECT_FALSE(normalize("check_run", "d", check_run_doc("requested_action").dump()).ok());
}

TEST(IngestEvents, CheckRunCreatedAndCompletedAreIgnored) {
    EXPECT_EQ(ignored_as("check_run", check_run_doc("created")).code, "action:created");
    EXPECT_EQ(ignored_as("check_run", check_run_doc("completed")).code, "action:completed");
}

json check_suite_doc(const std::string& action, json head_branch) {
    json doc = repo_doc();
    doc["action"] = action;
    doc["check_suite"] = {{"head_sha", kSha2}, {"head_branch", std::move(head_branch)}};
    return doc;
}

TEST(IngestEvents, CheckSuiteRerunIsNormalized) {
    auto e = normalized_as<CheckSuiteEvent>("check_suite", check_suite_doc("rerequested", "main"));
    EXPECT_EQ(e.action, "rerequested");
    EXPECT_EQ(e.head_sha, kSha2);
    EXPECT_EQ(e.head_branch, "main");
}

TEST(IngestEvents, CheckSuiteRerunWithNullHeadBranchIsKeptWithAnEmptyBranch) {
    auto e = normalized_as<CheckSuiteEvent>("check_suite", check_suite_doc("rerequested", nullptr));
    EXPECT_EQ(e.head_sha, kSha2);
    EXPECT_EQ(e.head_branch, "");
}

TEST(IngestEvents, CheckSuiteRequestedAndCompletedAreIgnored) {
    EXPECT_EQ(ignored_as("check_suite", check_suite_doc("requested", "main")).code,
              "action:requested");
    EXPECT_EQ(ignored_as("check_suite", check_suite_doc("completed", "main")).code,
              "action:completed");
}

json comment_doc(const std::string& action, const std::string& body, bool on_pull_request) {
    json doc = repo_doc();
    doc["action"] = action;
    doc["issue"] = {{"number", 12}};
    if (on_pull_request) doc["issue"]["pull_request"] = {{"url", "https://api.github.com/x"}};
    doc["comment"] = {{"id", 555}, {"body", body}, {"user", {{"login", "carol"}}}};
    return doc;
}

TEST(IngestEvents, StrataCommandOnAPullRequestIsNormalized) {
    auto e = normalized_as<CommentCommandEvent>(
        "issue_comment", comment_doc("created", "strata plan -p app\nthanks!", true));
    EXPECT_EQ(e.command, "plan");
    EXPECT_EQ(e.args, (std::vector<std::string>{"-p", "app"}));
    EXPECT_EQ(e.number, 12);
    EXPECT_EQ(e.comment_id, 555);
    EXPECT_EQ(e.user, "alice");
    EXPECT_EQ(e.repo.full_name, "acme/infra");
}

TEST(IngestEvents, ReviewCommentsNameTheRootsTheyConfirmOrReject) {
    for (const char* command : {"confirm", "reject"}) {
        auto e = normalized_as<CommentCommandEvent>(
            "issue_comment",
            comment_doc("created", std::string("strata ") + command + " app dns", true));
        EXPECT_EQ(e.command, command);
        EXPECT_EQ(e.args, (std::vector<std::string>{"app", "dns"}));
    }
}

TEST(IngestEvents, CommentsThatAreNotCommandsAreIgnored) {
    EXPECT_EQ(ignored_as("issue_comment", comment_doc("created", "looks good", true)).code,
              "not_command");
    EXPECT_EQ(ignored_as("issue_comment", comment_doc("created", "strata deploy", true)).code,
              "not_command");
    EXPECT_EQ(ignored_as("issue_comment", comment_doc("created", "strata plan", false)).code,
              "not_pull_request");
    EXPECT_EQ(ignored_as("issue_comment", comment_doc("edited", "strata apply", true)).code,
              "action:edited");
    EXPECT_EQ(ignored_as("issue_comment", comment_doc("deleted", "strata apply", true)).code,
              "action:deleted");
}

TEST(IngestEvents, MergeGroupChecksRequestedIsNormalized) {
    json doc = repo_doc();
    doc["action"] = "checks_requested";
    doc["merge_group"] = {{"head_sha", kSha2},
                          {"head_ref", "refs/heads/gh-readonly-queue/main/pr-7"},
                          {"base_sha", kSha1},
                          {"base_ref", "refs/heads/main"}};
    auto e = normalized_as<MergeGroupEvent>("merge_group", doc);
    EXPECT_EQ(e.action, "checks_requested");
    EXPECT_EQ(e.head_sha, kSha2);
    EXPECT_EQ(e.head_ref, "refs/heads/gh-readonly-queue/main/pr-7");
    EXPECT_EQ(e.base_sha, kSha1);
    EXPECT_EQ(e.base_ref, "refs/heads/main");
    doc["action"] = "destroyed";
    EXPECT_EQ(ignored_as("merge_group", doc).code, "action:destroyed");
}

TEST(IngestEvents, InstallationIsNormalizedWithItsRepositories) {
    json doc = {{"action", "created"},
                {"installation", {{"id", 957387}, {"account", {{"login", "acme"}}}}},
                {"repositories", {{{"full_name", "acme/infra"}}, {{"full_name", "acme/dns"}}}},
                {"sender", {{"login", "alice"}}}};
    auto outcome = normalize("installation", "d-inst", doc.dump());
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(std::get<Normalized>(*outcome).repository, "");  // about no single repository
    auto e = normalized_as<InstallationEvent>("installation", doc);
    EXPECT_EQ(e.action, "created");
    EXPECT_EQ(e.installation_id, 957387);
    EXPECT_EQ(e.account, "acme");
    EXPECT_EQ(e.repositories, (std::vector<std::string>{"acme/infra", "acme/dns"}));
    EXPECT_EQ(e.user, "alice");
}

TEST(IngestEvents, PingIsNormalized) {
    json doc = {{"zen", "Design for failure."}, {"hook_id", 109948940}};
    auto e = normalized_as<PingEvent>("ping", doc);
    EXPECT_EQ(e.hook_id, 109948940);
    EXPECT_EQ(e.zen, "Design for failure.");
    EXPECT_EQ(e.repository, "");
}

json push_doc(const std::string& ref, const std::string& after) {
    json doc = repo_doc();
    doc["ref"] = ref;
    doc["before"] = kSha1;
    doc["after"] = after;
    doc["pusher"] = {{"name", "alice"}};
    return doc;
}

TEST(IngestEvents, PushesStrataDoesNotDeployAreIgnored) {
    EXPECT_EQ(ignored_as("push", push_doc("refs/tags/v1", kSha2)).code, "tag");
    EXPECT_EQ(ignored_as("push", push_doc("refs/heads/feature", kSha2)).code, "not_default_branch");
    EXPECT_EQ(ignored_as("push", push_doc("refs/heads/main", std::string(40, '0'))).code,
              "branch_deleted");
    EXPECT_EQ(normalized_as<PushEvent>("push", push_doc("refs/heads/main", kSha2)).after, kSha2);
}

TEST(IngestEvents, EventsOfARepositoryCarryItsNameForTheAllowlist) {
    auto outcome = normalize("pull_request", "d", pull_request_doc("opened").dump());
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(std::get<Normalized>(*outcome).repository, "acme/infra");
    auto unhandled = normalize("star", "d", repo_doc().dump());
    ASSERT_TRUE(unhandled.ok());
    EXPECT_EQ(std::get<Ignored>(*unhandled).repository, "acme/infra");
    EXPECT_EQ(std::get<Ignored>(*unhandled).code, "event_not_handled");
}

TEST(IngestEvents, EveryEventOfARepositoryWithoutOneIsAnError) {
    for (const char* event :
         {"pull_request", "check_run", "check_suite", "issue_comment", "merge_group", "push"}) {
        EXPECT_FALSE(normalize(event, "d", R"({"action":"opened"})").ok()) << event;
    }
}

}  // namespace
}  // namespace strata::ingest
