// Structured log lines: one JSON object with fixed keys, the caller's fields, no secrets.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "strata/log.hpp"

namespace strata {
namespace {

using nlohmann::json;

// Secrets are process-wide and never unregistered: every test uses values nothing else logs.
json parse_line(const std::string& line) {
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    return json::parse(line);
}

TEST(Log, FormatLineGivesOneJsonObjectWithFixedKeysThenFields) {
    log::init("ingest", "info");
    auto line = log::format_line(log::Level::Warn, "webhook rejected", "corr-123",
                                 {{"delivery", "abc"}, {"status", 400}, {"bytes", 12ull}});
    auto doc = parse_line(line);
    ASSERT_TRUE(doc.is_object());
    EXPECT_EQ(doc["level"], "warn");
    EXPECT_EQ(doc["service"], "ingest");
    EXPECT_EQ(doc["msg"], "webhook rejected");
    EXPECT_EQ(doc["correlation_id"], "corr-123");
    EXPECT_EQ(doc["delivery"], "abc");
    EXPECT_EQ(doc["status"], "400");
    EXPECT_EQ(doc["bytes"], "12");
    EXPECT_TRUE(std::regex_match(doc["ts"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << doc["ts"];
    // Fixed keys come first, in this order.
    EXPECT_EQ(line.rfind(R"({"ts":)", 0), 0u) << line;
    EXPECT_LT(line.find(R"("level")"), line.find(R"("service")"));
    EXPECT_LT(line.find(R"("service")"), line.find(R"("msg")"));
    EXPECT_LT(line.find(R"("msg")"), line.find(R"("correlation_id")"));
    EXPECT_LT(line.find(R"("correlation_id")"), line.find(R"("delivery")"));
}

TEST(Log, EveryLevelHasItsName) {
    EXPECT_EQ(parse_line(log::format_line(log::Level::Debug, "m", "", {}))["level"], "debug");
    EXPECT_EQ(parse_line(log::format_line(log::Level::Info, "m", "", {}))["level"], "info");
    EXPECT_EQ(parse_line(log::format_line(log::Level::Warn, "m", "", {}))["level"], "warn");
    EXPECT_EQ(parse_line(log::format_line(log::Level::Error, "m", "", {}))["level"], "error");
}

TEST(Log, EmptyCorrelationIdIsStillPresent) {
    auto doc = parse_line(log::format_line(log::Level::Info, "starting", "", {}));
    ASSERT_TRUE(doc.contains("correlation_id"));
    EXPECT_EQ(doc["correlation_id"], "");
}

TEST(Log, RegisteredSecretsAreReplacedInMessageAndFields) {
    log::register_secret("ghs_logtestTOKEN0123456789");
    auto line =
        log::format_line(log::Level::Error, "auth failed with ghs_logtestTOKEN0123456789", "c",
                         {{"header",
                           "token ghs_logtestTOKEN0123456789 used twice "
                           "ghs_logtestTOKEN0123456789"}});
    EXPECT_EQ(line.find("ghs_logtestTOKEN0123456789"), std::string::npos) << line;
    auto doc = parse_line(line);
    EXPECT_EQ(doc["msg"], "auth failed with ***");
    EXPECT_EQ(doc["header"], "token *** used twice ***");
}

TEST(Log, RedactMasksEveryOccurrence) {
    log::register_secret("redact-test-pw");
    EXPECT_EQ(log::redact("a redact-test-pwredact-test-pw b"), "a ****** b");
    EXPECT_EQ(log::redact("nothing here"), "nothing here");
}

TEST(Log, AnUnregisteredSecretIsNoLongerMaskedAndTheOthersStillAre) {
    log::register_secret("expired-token-logtest");
    log::register_secret("current-token-logtest");
    log::unregister_secret("expired-token-logtest");
    EXPECT_EQ(log::redact("expired-token-logtest current-token-logtest"),
              "expired-token-logtest ***");
}

TEST(Log, EmptySecretIsIgnored) {
    log::register_secret("");
    EXPECT_EQ(log::redact("unchanged text"), "unchanged text");
}

TEST(Log, SecretsWithQuotesOrBackslashesAreMaskedToo) {
    log::register_secret(R"(pa"ss\word-logtest)");
    auto line = log::format_line(log::Level::Info, R"(password is pa"ss\word-logtest)", "",
                                 {{"url", R"(redis://:pa"ss\word-logtest@host)"}});
    auto doc = parse_line(line);
    EXPECT_EQ(doc["msg"], "password is ***");
    EXPECT_EQ(doc["url"], "redis://:***@host");
    EXPECT_EQ(line.find("word-logtest"), std::string::npos) << line;
}

TEST(Log, ASecretContainingAnotherIsMaskedWhole) {
    log::register_secret("nested-logtest");
    log::register_secret("nested-logtest-and-more-secret-bits");
    auto doc = parse_line(
        log::format_line(log::Level::Info, "key nested-logtest-and-more-secret-bits", "", {}));
    EXPECT_EQ(doc["msg"], "key ***");
    EXPECT_EQ(log::redact("short nested-logtest"), "short ***");
}

TEST(Log, InvalidUtf8DoesNotThrowAndGivesValidJson) {
    std::string bad = "body \xff\xfe\xc3 end";
    std::string line;
    EXPECT_NO_THROW(line = log::format_line(log::Level::Info, bad, "\xc0", {{"raw", bad}}));
    json doc;
    EXPECT_NO_THROW(doc = json::parse(line)) << line;
    ASSERT_TRUE(doc.is_object());
    EXPECT_EQ(doc["msg"].get<std::string>().rfind("body ", 0), 0u);
    EXPECT_NE(doc["raw"].get<std::string>().find(" end"), std::string::npos);
}

TEST(Log, WriteBelowTheLevelDoesNotThrow) {
    log::init("ingest", "error");
    EXPECT_NO_THROW(log::debug("not shown", {{"k", "v"}}));
    log::init("ingest", "info");
}

}  // namespace
}  // namespace strata
