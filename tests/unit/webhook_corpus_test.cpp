// Every real GitHub payload in the shared corpus (octokit/webhooks examples) is normalised or
// deliberately ignored, never an error, and each file has a stated expectation: the event type it
// becomes, or the reason code it is ignored with. A new file without one fails the test, so that
// every payload is decided on. The corpus lives outside the repository; without it the test is
// skipped and says so. With STRATA_NORMALIZED_DUMP_DIR set, every normalised message is written
// there, for the JSON Schemas to check.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "strata/messages.hpp"
#include "webhook.hpp"

namespace strata::ingest {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = STRATA_SOURCE_DIR "/../shared/fixtures/github-webhooks";

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// "event.<type>" for a normalised file, "ignored:<code>" for an ignored one.
const std::map<std::string, std::string> kExpected = {
    {"check_run/completed.1.payload.json", "ignored:action:completed"},
    {"check_run/completed.payload.json", "ignored:action:completed"},
    {"check_run/completed.with-organization.payload.json", "ignored:action:completed"},
    {"check_run/created.payload.json", "ignored:action:created"},
    {"check_run/created.with-organization.payload.json", "ignored:action:created"},
    {"check_run/requested_action.payload.json", "event.check_run"},
    {"check_run/rerequested.payload.json", "event.check_run"},
    {"check_run/rerequested.with-organization.payload.json", "event.check_run"},
    {"check_suite/completed.1.payload.json", "ignored:action:completed"},
    {"check_suite/completed.payload.json", "ignored:action:completed"},
    {"check_suite/completed.with-organization.payload.json", "ignored:action:completed"},
    {"check_suite/requested.payload.json", "ignored:action:requested"},
    {"check_suite/requested.payload.with-email-with-special-characters.json",
     "ignored:action:requested"},
    {"check_suite/requested.with-organization.payload.json", "ignored:action:requested"},
    {"check_suite/rerequested.payload.json", "event.check_suite"},
    {"check_suite/rerequested.with-organization.payload.json", "event.check_suite"},
    {"installation/created.payload.json", "event.installation"},
    {"installation/created.with-requester.payload.json", "event.installation"},
    {"installation/deleted.payload.json", "event.installation"},
    {"installation/new_permissions_accepted.payload.json", "event.installation"},
    {"installation/suspend.payload.json", "event.installation"},
    {"installation/unsuspend.payload.json", "event.installation"},
    // The corpus' comments are on issues, not pull requests, and none is a strata command.
    {"issue_comment/created.1.payload.json", "ignored:not_pull_request"},
    {"issue_comment/created.payload.json", "ignored:not_pull_request"},
    {"issue_comment/created.with-installation.payload.json", "ignored:not_pull_request"},
    {"issue_comment/created.with-organization.payload.json", "ignored:not_pull_request"},
    {"issue_comment/deleted.payload.json", "ignored:action:deleted"},
    {"issue_comment/deleted.with-organization.payload.json", "ignored:action:deleted"},
    {"issue_comment/edited.payload.json", "ignored:action:edited"},
    {"issue_comment/edited.with-organization.payload.json", "ignored:action:edited"},
    {"merge_group/checks_requested.payload.json", "event.merge_group"},
    {"ping/payload.json", "event.ping"},
    {"ping/with-app_id.payload.json", "event.ping"},
    {"ping/with-organization.payload.json", "event.ping"},
    {"pull_request/assigned.payload.json", "ignored:action:assigned"},
    {"pull_request/assigned.with-organization.payload.json", "ignored:action:assigned"},
    {"pull_request/closed.payload.json", "event.pull_request"},
    {"pull_request/closed.with-organization.payload.json", "event.pull_request"},
    {"pull_request/converted_to_draft.payload.json", "ignored:action:converted_to_draft"},
    {"pull_request/converted_to_draft.with-installation.payload.json",
     "ignored:action:converted_to_draft"},
    {"pull_request/converted_to_draft.with-organization.payload.json",
     "ignored:action:converted_to_draft"},
    {"pull_request/labeled.payload.json", "ignored:action:labeled"},
    {"pull_request/labeled.with-organization.payload.json", "ignored:action:labeled"},
    {"pull_request/locked.payload.json", "ignored:action:locked"},
    {"pull_request/locked.with-organization.payload.json", "ignored:action:locked"},
    {"pull_request/opened.payload.json", "event.pull_request"},
    {"pull_request/opened.with-null-body.json", "event.pull_request"},
    {"pull_request/opened.with-organization.payload.json", "event.pull_request"},
    {"pull_request/ready_for_review.payload.json", "event.pull_request"},
    {"pull_request/ready_for_review.with-installation.payload.json", "event.pull_request"},
    {"pull_request/ready_for_review.with-organization.payload.json", "event.pull_request"},
    {"pull_request/reopened.payload.json", "event.pull_request"},
    {"pull_request/reopened.with-organization.payload.json", "event.pull_request"},
    {"pull_request/review_request_removed.payload.json", "ignored:action:review_request_removed"},
    {"pull_request/review_requested.payload.json", "ignored:action:review_requested"},
    {"pull_request/synchronize.payload.json", "event.pull_request"},
    {"pull_request/unassigned.payload.json", "ignored:action:unassigned"},
    {"pull_request/unassigned.with-organization.payload.json", "ignored:action:unassigned"},
    {"pull_request/unlabeled.payload.json", "ignored:action:unlabeled"},
    {"pull_request/unlabeled.with-organization.payload.json", "ignored:action:unlabeled"},
    {"pull_request/unlocked.payload.json", "ignored:action:unlocked"},
    {"pull_request/unlocked.with-organization.payload.json", "ignored:action:unlocked"},
    // Tag pushes (the corpus' deletion of a tag among them) deploy nothing.
    {"push/1.payload.json", "ignored:tag"},
    {"push/payload.json", "ignored:tag"},
    {"push/with-installation.payload.json", "ignored:tag"},
    {"push/with-new-branch.payload.json", "event.push"},
    {"push/with-no-username-committer.payload.json", "event.push"},
    {"push/with-organization.payload.json", "ignored:tag"},
};

// Field checks for some files, on the decoded message.
const std::map<std::string, std::function<void(const std::string&)>> kFieldChecks = {
    {"check_run/requested_action.payload.json",
     [](const std::string& body) {
         auto m = decode<CheckRunEvent>(body);
         ASSERT_TRUE(m.ok()) << m.error().message;
         EXPECT_EQ(m->payload.identifier, "lgtm|26764");
         EXPECT_EQ(m->payload.head_sha, "5bd5f196a46b8222fb7484f05faba41a73cf34bd");
         EXPECT_EQ(m->payload.head_branch, "miniak/event-process-id");
         EXPECT_EQ(m->payload.repo.full_name, "electron/electron");
     }},
    {"check_suite/rerequested.payload.json",
     [](const std::string& body) {
         auto m = decode<CheckSuiteEvent>(body);
         ASSERT_TRUE(m.ok()) << m.error().message;
         EXPECT_EQ(m->payload.head_sha, "ec26c3e57ca3a959ca5aad62de7213c562f8c821");
         EXPECT_EQ(m->payload.head_branch, "changes");
         EXPECT_EQ(m->payload.user, "octocoders-linter[bot]");
     }},
    {"push/with-new-branch.payload.json",
     [](const std::string& body) {
         auto m = decode<PushEvent>(body);
         ASSERT_TRUE(m.ok()) << m.error().message;
         EXPECT_EQ(m->payload.before, std::string(40, '0'));
         EXPECT_EQ(m->payload.after, "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
         EXPECT_EQ(m->payload.repo.default_branch, "master");
     }},
    {"installation/created.payload.json",
     [](const std::string& body) {
         auto m = decode<InstallationEvent>(body);
         ASSERT_TRUE(m.ok()) << m.error().message;
         EXPECT_EQ(m->payload.installation_id, 957387);
         EXPECT_EQ(m->payload.repositories, std::vector<std::string>{"Codertocat/Hello-World"});
     }},
    {"ping/with-organization.payload.json",
     [](const std::string& body) {
         auto m = decode<PingEvent>(body);
         ASSERT_TRUE(m.ok()) << m.error().message;
         EXPECT_EQ(m->payload.repository, "");
         EXPECT_EQ(m->payload.hook_id, 109948940);
     }},
};

// Decodes a normalised message with the decoder of its type, as its consumer will.
Result<void> decodes_as_its_type(const Normalized& n) {
    auto check = [&](auto decoded) -> Result<void> {
        if (!decoded) return decoded.error();
        return {};
    };
    if (n.type == PushEvent::kType) return check(decode<PushEvent>(n.body));
    if (n.type == PullRequestEvent::kType) return check(decode<PullRequestEvent>(n.body));
    if (n.type == CheckRunEvent::kType) return check(decode<CheckRunEvent>(n.body));
    if (n.type == CheckSuiteEvent::kType) return check(decode<CheckSuiteEvent>(n.body));
    if (n.type == CommentCommandEvent::kType) return check(decode<CommentCommandEvent>(n.body));
    if (n.type == MergeGroupEvent::kType) return check(decode<MergeGroupEvent>(n.body));
    if (n.type == InstallationEvent::kType) return check(decode<InstallationEvent>(n.body));
    if (n.type == PingEvent::kType) return check(decode<PingEvent>(n.body));
    return make_error("unknown type " + n.type);
}

TEST(WebhookCorpus, EveryPayloadIsNormalizedOrIgnoredWithoutError) {
    if (!fs::is_directory(kCorpus)) {
        std::string message =
            "GitHub webhook corpus is not present at " + kCorpus.string() + "; skipping";
        std::cout << message << std::endl;
        GTEST_SKIP() << message;
    }
    std::vector<fs::path> payloads;
    for (const auto& entry : fs::recursive_directory_iterator(kCorpus))
        if (entry.is_regular_file() && entry.path().extension() == ".json")
            payloads.push_back(entry.path());
    std::sort(payloads.begin(), payloads.end());
    ASSERT_FALSE(payloads.empty()) << "no *.json payloads under " << kCorpus;

    int normalized = 0, ignored = 0;
    for (const auto& path : payloads) {
        std::string event = path.parent_path().filename().string();
        std::string name = path.lexically_relative(kCorpus).string();
        auto outcome =
            normalize(event, "corpus-" + std::to_string(normalized + ignored), read_file(path));
        ASSERT_TRUE(outcome.ok()) << name << ": " << outcome.error().message;
        std::string got;
        if (const auto* n = std::get_if<Normalized>(&*outcome)) {
            ++normalized;
            got = n->type;
            auto envelope = decode_envelope(n->body);
            ASSERT_TRUE(envelope.ok()) << name << ": " << envelope.error().message;
            EXPECT_EQ(envelope->type, n->type) << name;
            EXPECT_EQ(envelope->id, n->message_id) << name;
            auto decoded = decodes_as_its_type(*n);
            EXPECT_TRUE(decoded.ok()) << name << ": " << decoded.error().message;
            // For the schemas: node tests/schema/validate.mjs schemas "$DIR".
            if (const char* dir = std::getenv("STRATA_NORMALIZED_DUMP_DIR"))
                std::ofstream(fs::path(dir) /
                              (n->type + ".corpus-" + std::to_string(normalized) + ".json"))
                    << n->body;
            if (auto check = kFieldChecks.find(name); check != kFieldChecks.end()) {
                SCOPED_TRACE(name);
                check->second(n->body);
            }
        } else {
            ++ignored;
            const auto& i = std::get<Ignored>(*outcome);
            EXPECT_FALSE(i.reason.empty()) << name;
            got = "ignored:" + i.code;
        }
        auto expected = kExpected.find(name);
        if (expected == kExpected.end()) {
            ADD_FAILURE() << name << " has no stated expectation (it gave " << got << ")";
        } else {
            EXPECT_EQ(got, expected->second) << name;
        }
    }
    EXPECT_EQ(normalized + ignored, static_cast<int>(payloads.size()));
    std::cout << payloads.size() << " payloads: " << normalized << " normalized, " << ignored
              << " ignored" << std::endl;
}

}  // namespace
}  // namespace strata::ingest
