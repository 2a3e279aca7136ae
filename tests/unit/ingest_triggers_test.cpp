// Manual triggers: what a consumer refuses (and the CLI never publishes), with the reason.
#include <gtest/gtest.h>

#include "strata/triggers.hpp"

namespace strata {
namespace {

const std::string kSha = "1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5";

TriggerDeploy deploy() {
    TriggerDeploy t;
    t.repository = "acme/infra";
    t.roots = {"app", "dns"};
    t.user = "alice";
    return t;
}

std::string why(const Result<void>& r) { return r.ok() ? "" : r.error().message; }

TEST(IngestTriggers, DeployOfNamedRootsAtTheDefaultBranchHeadIsValid) {
    EXPECT_TRUE(validate_trigger(deploy()).ok());
    auto at_sha = deploy();
    at_sha.revision = kSha;
    EXPECT_TRUE(validate_trigger(at_sha).ok());
    auto at_branch = deploy();
    at_branch.branch = "release/2024-06";
    EXPECT_TRUE(validate_trigger(at_branch).ok());
}

TEST(IngestTriggers, DeployWithoutRootsOrUserOrWithABadRepositoryIsRefused) {
    auto t = deploy();
    t.roots.clear();
    EXPECT_EQ(why(validate_trigger(t)), "roots is empty: name at least one root");
    t = deploy();
    t.user.clear();
    EXPECT_EQ(why(validate_trigger(t)), "user is empty (who asked?)");
    for (const char* repo : {"acme", "acme/", "/infra", "acme/infra/x", "acme/in fra", ""}) {
        t = deploy();
        t.repository = repo;
        EXPECT_FALSE(validate_trigger(t).ok()) << repo;
    }
    t = deploy();
    t.roots = {"app", "app"};
    EXPECT_EQ(why(validate_trigger(t)), "root 'app' is named twice");
    t = deploy();
    t.roots = {""};
    EXPECT_FALSE(validate_trigger(t).ok());
}

TEST(IngestTriggers, DeployRevisionMustBeAFullShaAndNotComeWithABranch) {
    auto t = deploy();
    t.revision = "1e2d3c4";
    EXPECT_EQ(why(validate_trigger(t)), "revision '1e2d3c4' is not a full 40-digit lower-case SHA");
    t.revision = "1E2D3C4B5A69788796A5B4C3D2E1F0A9B8C7D6E5";
    EXPECT_FALSE(validate_trigger(t).ok());
    t.revision = kSha;
    t.branch = "main";
    EXPECT_EQ(why(validate_trigger(t)), "give a revision or a branch, not both");
    t = deploy();
    t.branch = "bad branch";
    EXPECT_FALSE(validate_trigger(t).ok());
}

TEST(IngestTriggers, UnlockNamesARepositoryRootAndUser) {
    TriggerUnlock u{"acme/infra", "app", "alice", ""};
    EXPECT_TRUE(validate_trigger(u).ok());
    u.root.clear();
    EXPECT_FALSE(validate_trigger(u).ok());
}

TEST(IngestTriggers, ReviewNamesItsDeploymentByIdOrByRepositoryAndRoot) {
    TriggerConfirm by_id{"dep-1", "", "", "alice", ""};
    EXPECT_TRUE(validate_trigger(by_id).ok());
    TriggerReject by_root{"", "acme/infra", "app", "alice", "not today"};
    EXPECT_TRUE(validate_trigger(by_root).ok());
    TriggerConfirm neither{"", "acme/infra", "", "alice", ""};
    EXPECT_EQ(why(validate_trigger(neither)),
              "name the deployment: deployment_id, or repository and root");
    TriggerReject nobody{"dep-1", "", "", "", ""};
    EXPECT_FALSE(validate_trigger(nobody).ok());
}

TEST(IngestTriggers, DecodeTriggerSaysWhichTriggerWasInvalid) {
    auto m = make_message(TriggerDeploy{"acme/infra", {}, "", "", "alice", "", false},
                          Origin{"cli", "", ""});
    auto decoded = decode_trigger<TriggerDeploy>(encode(m));
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.error().message,
              "invalid trigger.deploy: roots is empty: name at least one root");
    EXPECT_FALSE(decode_trigger<TriggerUnlock>("not json").ok());
    auto good =
        make_message(TriggerUnlock{"acme/infra", "app", "alice", ""}, Origin{"cli", "", ""});
    EXPECT_TRUE(decode_trigger<TriggerUnlock>(encode(good)).ok());
}

}  // namespace
}  // namespace strata
