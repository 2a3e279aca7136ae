#include "strata/glob.hpp"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(Glob, StarStaysWithinOneSegment) {
    EXPECT_TRUE(glob_match("*.tf", "main.tf"));
    EXPECT_FALSE(glob_match("*.tf", "modules/main.tf"));
    EXPECT_TRUE(glob_match("app/*.tf", "app/main.tf"));
    EXPECT_FALSE(glob_match("app/*.tf", "app/sub/main.tf"));
    EXPECT_TRUE(glob_match("acme/*", "acme/infra"));
    EXPECT_FALSE(glob_match("acme/*", "other/infra"));
}

TEST(Glob, DoubleStarCrossesSegments) {
    EXPECT_TRUE(glob_match("**/*.tf", "main.tf"));
    EXPECT_TRUE(glob_match("**/*.tf", "a/b/c/main.tf"));
    EXPECT_TRUE(glob_match("modules/**", "modules/vpc/main.tf"));
    EXPECT_TRUE(glob_match("a/**/z.tf", "a/z.tf"));
    EXPECT_TRUE(glob_match("a/**/z.tf", "a/b/c/z.tf"));
    EXPECT_FALSE(glob_match("a/**/z.tf", "b/z.tf"));
}

TEST(Glob, QuestionMarkAndClassesMatchOneCharacter) {
    EXPECT_TRUE(glob_match("v?.tf", "v1.tf"));
    EXPECT_FALSE(glob_match("v?.tf", "v12.tf"));
    EXPECT_TRUE(glob_match("env-[a-c].tfvars", "env-b.tfvars"));
    EXPECT_FALSE(glob_match("env-[!a-c].tfvars", "env-b.tfvars"));
    EXPECT_TRUE(glob_match("env-[!a-c].tfvars", "env-d.tfvars"));
}

TEST(Glob, MatchesAreAnchoredAtBothEnds) {
    EXPECT_FALSE(glob_match("main.tf", "xmain.tf"));
    EXPECT_FALSE(glob_match("main", "main.tf"));
    EXPECT_TRUE(glob_match("*", "anything"));
}

TEST(Glob, MalformedPatternsAreReported) {
    EXPECT_FALSE(validate_glob("env-[ab.tf").ok());
    EXPECT_FALSE(validate_glob("").ok());
    EXPECT_TRUE(validate_glob("**/*.tf").ok());
}

}  // namespace
}  // namespace strata
