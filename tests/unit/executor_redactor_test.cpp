// Secrets in terraform's output become "***" before a line leaves the executor.
#include <gtest/gtest.h>

#include "redactor.hpp"
#include "strata/log.hpp"

namespace strata::executor {
namespace {

TEST(Redactor, RootVariableValuesAreReplacedEverywhereInTheLine) {
    Redactor r({"s3cr3t-value", "other"}, {});
    EXPECT_EQ(r("token=s3cr3t-value and s3cr3t-value again, other"),
              "token=*** and *** again, ***");
}

TEST(Redactor, ALongerSecretContainingAShorterOneGoesWhole) {
    Redactor r({"abcd", "abcdefgh"}, {});
    EXPECT_EQ(r("x abcdefgh y abcd"), "x *** y ***");
}

TEST(Redactor, VeryShortValuesAreLeftAlone) {
    Redactor r({"1", "eu", "yes"}, {});
    EXPECT_EQ(r("region eu, count 1: yes"), "region eu, count 1: yes");
}

TEST(Redactor, ConfiguredPatternsAreReplaced) {
    auto patterns = compile_secret_patterns({"AKIA[0-9A-Z]{16}", "gh[pousr]_[A-Za-z0-9]{36,}"});
    ASSERT_TRUE(patterns.ok());
    Redactor r({}, *patterns);
    EXPECT_EQ(r("key AKIAABCDEFGHIJKLMNOP used"), "key *** used");
    EXPECT_EQ(r("ghp_" + std::string(36, 'a')), "***");
}

TEST(Redactor, InvalidPatternIsAnErrorNamingIt) {
    auto patterns = compile_secret_patterns({"ok", "(unclosed"});
    ASSERT_FALSE(patterns.ok());
    EXPECT_NE(patterns.error().message.find("'(unclosed'"), std::string::npos);
}

TEST(Redactor, SecretsRegisteredWithTheLogAreReplacedToo) {
    log::register_secret("registered-secret-4711");
    Redactor r;
    EXPECT_EQ(r("a registered-secret-4711 b"), "a *** b");
}

}  // namespace
}  // namespace strata::executor
