// Repository paths and when_modified patterns: normalising, joining, escaping the repository,
// globs relative to a root's dir, `!` exclusions (the last matching pattern decides), and the
// anchors candidates are looked up by.
#include <gtest/gtest.h>

#include "repo_paths.hpp"
#include "root_graph.hpp"

namespace strata::planner {
namespace {

PathPatterns compiled(const std::string& dir, const std::vector<std::string>& patterns) {
    auto p = PathPatterns::compile(dir, patterns);
    EXPECT_TRUE(p.ok()) << p.error().message;
    return p.ok() ? *p : PathPatterns();
}

TEST(PlannerPaths, NormalisingDropsDotsAndSlashesAndRefusesEscapes) {
    EXPECT_EQ(normalise_path("./a//b/../c/"), "a/c");
    EXPECT_EQ(normalise_path("."), "");
    EXPECT_EQ(normalise_path(""), "");
    EXPECT_EQ(normalise_path("a/.."), "");
    EXPECT_EQ(normalise_path(".."), std::nullopt);
    EXPECT_EQ(normalise_path("a/../../b"), std::nullopt);
    EXPECT_EQ(normalise_path("/etc"), std::nullopt);
}

TEST(PlannerPaths, JoiningClimbsOutOfTheBaseButNotOutOfTheRepository) {
    EXPECT_EQ(join_path("envs/prod", "../../modules/vpc"), "modules/vpc");
    EXPECT_EQ(join_path("", "./x"), "x");
    EXPECT_EQ(join_path("a", "../../x"), std::nullopt);
    EXPECT_EQ(join_path("a", "/x"), std::nullopt);
    EXPECT_TRUE(path_within("a/b/c", "a/b"));
    EXPECT_TRUE(path_within("a/b", "a/b"));
    EXPECT_TRUE(path_within("anything", ""));
    EXPECT_FALSE(path_within("a/bc", "a/b"));
}

TEST(PlannerWhenModified, DefaultPatternsMatchTerraformFilesDirectlyInTheDir) {
    auto p = compiled("envs/prod", default_when_modified());
    EXPECT_TRUE(p.matches("envs/prod/main.tf"));
    EXPECT_TRUE(p.matches("envs/prod/prod.tfvars"));
    EXPECT_TRUE(p.matches("envs/prod/terragrunt.hcl"));
    EXPECT_TRUE(p.matches("envs/prod/.terraform.lock.hcl"));
    EXPECT_FALSE(p.matches("envs/prod/README.md"));
    EXPECT_FALSE(p.matches("envs/prod/sub/main.tf"));
    EXPECT_FALSE(p.matches("envs/prodx/main.tf"));
    EXPECT_FALSE(p.matches("main.tf"));
}

TEST(PlannerWhenModified, PatternsMayClimbOutOfTheDirAndCrossSegments) {
    auto p = compiled("envs/prod/app", {"*.tf", "../../../modules/app/**/*.tf"});
    EXPECT_TRUE(p.matches("modules/app/main.tf"));
    EXPECT_TRUE(p.matches("modules/app/deep/er/x.tf"));
    EXPECT_FALSE(p.matches("modules/other/main.tf"));
}

TEST(PlannerWhenModified, TheLastMatchingPatternDecides) {
    auto p = compiled("app", {"**/*.tf", "!**/*_test.tf", "!generated/**", "generated/keep.tf"});
    EXPECT_TRUE(p.matches("app/main.tf"));
    EXPECT_TRUE(p.matches("app/sub/main.tf"));
    EXPECT_FALSE(p.matches("app/main_test.tf"));
    EXPECT_FALSE(p.matches("app/sub/x_test.tf"));
    EXPECT_FALSE(p.matches("app/generated/out.tf"));
    EXPECT_TRUE(p.matches("app/generated/keep.tf"));
    // Only exclusions: nothing matches.
    EXPECT_FALSE(compiled("app", {"!*.tf"}).matches("app/main.tf"));
}

TEST(PlannerWhenModified, BadPatternsAreRefusedWithTheReason) {
    auto bad = [](const std::string& dir, const std::string& pattern) {
        auto p = PathPatterns::compile(dir, {pattern});
        return p.ok() ? std::string("ok") : p.error().message;
    };
    EXPECT_EQ(bad("a", "env-[ab.tf"), "glob 'env-[ab.tf': unclosed '['");
    EXPECT_EQ(bad("a", "!"), "empty glob");
    EXPECT_EQ(bad("a", "/abs/*.tf"),
              "pattern '/abs/*.tf' is absolute; patterns are relative to the root's dir");
    EXPECT_EQ(bad("a", "../../*.tf"), "pattern '../../*.tf' escapes the repository");
    EXPECT_EQ(bad("a", "../*.tf"), "ok");
}

TEST(PlannerWhenModified, AnchorsAreTheLeadingLiteralDirectories) {
    auto p = compiled("envs/prod", {"*.tf", "../shared/*.tfvars", "**/x.tf", "!*.bak", "m/a?/*"});
    EXPECT_EQ(p.anchors(),
              (std::vector<std::string>{"envs/prod", "envs/shared", "envs/prod", "envs/prod/m"}));
    EXPECT_EQ(compiled("", {"*.tf"}).anchors(), (std::vector<std::string>{""}));
}

// ---- graphs ------------------------------------------------------------------------------------

TEST(PlannerRootGraph, FindsACycleAndItsPath) {
    Upstreams g{{1}, {2}, {0}, {}};
    auto cycle = find_cycle(g);
    ASSERT_TRUE(cycle);
    EXPECT_EQ(*cycle, (std::vector<int>{0, 1, 2, 0}));
    EXPECT_FALSE(find_cycle({{1}, {2}, {}}));
    EXPECT_EQ(*find_cycle({{0}}), (std::vector<int>{0, 0}));
}

TEST(PlannerRootGraph, OrdersUpstreamsFirstThroughNodesOutsideTheSubset) {
    // 0 <- 1 <- 2, 3 alone; subset {2, 0, 3}: 0 must come before 2 although 1 is left out.
    Upstreams g{{}, {0}, {1}, {}};
    auto order = topological_order(g, {2, 0, 3});
    EXPECT_EQ(order, (std::vector<int>{0, 3, 2}));
    EXPECT_EQ(all_upstreams(g, 2), (std::vector<int>{0, 1}));
}

TEST(PlannerRootGraph, AChainOfAHundredThousandNeedsNoDeepStack) {
    Upstreams g(100'000);
    for (int i = 1; i < 100'000; ++i) g[i].push_back(i - 1);
    EXPECT_FALSE(find_cycle(g));
    auto order = topological_order(g, {99'999, 0});
    EXPECT_EQ(order, (std::vector<int>{0, 99'999}));
    g[0].push_back(99'999);
    EXPECT_TRUE(find_cycle(g));
}

}  // namespace
}  // namespace strata::planner
