// Ingest's options as the daemon reads them (STRATA_* over the option table): the checks
// make_service makes before the daemon starts, each failing with a message naming the option.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest_service.hpp"
#include "strata/config.hpp"

namespace strata::ingest {
namespace {

// make_service's error for these STRATA_* settings, "" when it accepts them.
std::string refusal(std::vector<std::string> env) {
    auto specs = common_option_specs();
    auto info = daemon_info();
    specs.insert(specs.end(), info.options.begin(), info.options.end());
    env.push_back("STRATA_WEBHOOK_SECRET=s3cret-for-tests");
    const char* argv[] = {"strata-ingest"};
    auto parsed = parse_command_line(specs, 1, argv, env);
    if (!parsed) return "parse: " + parsed.error().message;
    auto service = make_service(parsed->config);
    return service ? "" : service.error().message;
}

TEST(IngestConfig, DefaultsAreAccepted) { EXPECT_EQ(refusal({}), ""); }

TEST(IngestConfig, WebhookPathMustBeAnAbsolutePath) {
    EXPECT_EQ(refusal({"STRATA_WEBHOOK_PATH=/github/hook"}), "");
    EXPECT_NE(refusal({"STRATA_WEBHOOK_PATH=events"}).find("webhook_path"), std::string::npos);
}

TEST(IngestConfig, AllowlistMustNameSomethingAndBeValidGlobs) {
    EXPECT_EQ(refusal({"STRATA_REPO_ALLOWLIST=acme/*, other-org/infra-*"}), "");
    EXPECT_NE(refusal({"STRATA_REPO_ALLOWLIST= , "}).find("repo_allowlist is empty"),
              std::string::npos);
    EXPECT_NE(refusal({"STRATA_REPO_ALLOWLIST=acme/[infra"}).find("acme/[infra"),
              std::string::npos);
}

TEST(IngestConfig, DedupeOutlivesGithubsRedeliveryWindow) {
    EXPECT_EQ(refusal({"STRATA_DEDUPE_TTL=72h"}), "");
    EXPECT_NE(refusal({"STRATA_DEDUPE_TTL=1h"}).find("dedupe_ttl"), std::string::npos);
}

TEST(IngestConfig, AnswerDeadlineStaysInsideGithubsTenSeconds) {
    EXPECT_EQ(refusal({"STRATA_ANSWER_DEADLINE=9s"}), "");
    EXPECT_NE(refusal({"STRATA_ANSWER_DEADLINE=11s"}).find("answer_deadline"), std::string::npos);
    EXPECT_NE(refusal({"STRATA_ANSWER_DEADLINE=0s"}).find("answer_deadline"), std::string::npos);
}

TEST(IngestConfig, TheWebhookSecretIsRequired) {
    auto specs = common_option_specs();
    auto info = daemon_info();
    specs.insert(specs.end(), info.options.begin(), info.options.end());
    const char* argv[] = {"strata-ingest"};
    auto parsed = parse_command_line(specs, 1, argv, {});
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().message.find("webhook_secret"), std::string::npos)
        << parsed.error().message;
}

}  // namespace
}  // namespace strata::ingest
