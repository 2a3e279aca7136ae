// The pull-request plan comment: which plans it shows (the newest head, newest state per root),
// how it reads, its state round trip, and how it splits past GitHub's size limit.
#include <gtest/gtest.h>

#include "pr_comment.hpp"

namespace strata::notifier {
namespace {

const std::string kHead1 = "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kHead2 = "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

DeploymentState plan(const std::string& id, const std::string& root, const std::string& revision,
                     long long seq, const std::string& state) {
    DeploymentState s;
    s.deployment_id = id;
    s.seq = seq;
    s.repo = {"acme/infra", "https://github.com/acme/infra.git", "main", 7};
    s.root = {root, "envs/" + root, "default", ""};
    s.revision = revision;
    s.kind = "plan";
    s.trigger = "pull_request";
    s.pull_number = 12;
    s.state = state;
    s.log_url = "https://strata.example/logs/" + id;
    return s;
}

PlanSummary summary(int add, std::vector<std::string> resources) {
    PlanSummary p;
    p.add = add;
    p.resources = std::move(resources);
    return p;
}

TEST(PrComment, ShowsEachRootsNewestStateAtTheHead) {
    PrComments c;
    EXPECT_TRUE(apply_plan_state(c, plan("n1", "network", kHead1, 1, "planning")));
    auto done = plan("n1", "network", kHead1, 2, "succeeded");
    done.plan = summary(1, {"+ aws_vpc.main"});
    EXPECT_TRUE(apply_plan_state(c, done));
    EXPECT_FALSE(apply_plan_state(c, plan("n1", "network", kHead1, 1, "planning")))
        << "a late message";
    EXPECT_TRUE(apply_plan_state(c, plan("d1", "dns", kHead1, 1, "queued")));
    auto parts = render_pr_comment(c, "acme/infra", RenderLinks{});
    ASSERT_EQ(parts.size(), 1u);
    const auto& body = parts[0];
    EXPECT_NE(body.find("### Strata plans for [`1111111`](https://github.com/acme/infra/commit/" +
                        kHead1 + ")"),
              std::string::npos)
        << body;
    EXPECT_NE(body.find("| `network` | ✅ planned | 1 to add, 0 to change, 0 to destroy | "
                        "[log](https://strata.example/logs/n1) |"),
              std::string::npos)
        << body;
    EXPECT_NE(body.find("| `dns` | ⏳ queued |"), std::string::npos) << body;
    EXPECT_LT(body.find("`dns`"), body.find("`network`")) << "roots in name order";
    EXPECT_NE(body.find("+ aws_vpc.main"), std::string::npos);
}

TEST(PrComment, ANewHeadReplacesThePlansOfTheOldOneAndLateOldMessagesAreIgnored) {
    PrComments c;
    apply_plan_state(c, plan("n1", "network", kHead1, 1, "planning"));
    apply_plan_state(c, plan("d1", "dns", kHead1, 1, "planning"));
    EXPECT_TRUE(apply_plan_state(c, plan("n2", "network", kHead2, 1, "queued")));
    EXPECT_EQ(c.head, kHead2);
    EXPECT_EQ(c.roots.size(), 1u) << "dns was not planned at the new head";
    EXPECT_FALSE(apply_plan_state(c, plan("n1", "network", kHead1, 2, "succeeded")))
        << "the old head's plan finished late";
    EXPECT_FALSE(apply_plan_state(c, plan("d1", "dns", kHead1, 2, "failed")));
    EXPECT_EQ(c.roots.at("network").deployment_id, "n2");
}

TEST(PrComment, DeploysAndPlansWithoutAPullRequestAreNotItsBusiness) {
    PrComments c;
    auto deploy = plan("x", "network", kHead1, 1, "queued");
    deploy.kind = "deploy";
    EXPECT_FALSE(apply_plan_state(c, deploy));
    auto merge_group = plan("y", "network", kHead1, 1, "queued");
    merge_group.pull_number = 0;
    EXPECT_FALSE(apply_plan_state(c, merge_group));
}

TEST(PrComment, FailuresShowTheirReasonFolded) {
    PrComments c;
    auto failed = plan("n1", "network", kHead1, 2, "failed");
    failed.reason = "Error: Unsupported argument";
    apply_plan_state(c, failed);
    auto body = render_pr_comment(c, "acme/infra", RenderLinks{})[0];
    EXPECT_NE(body.find("| `network` | ❌ failed |"), std::string::npos) << body;
    EXPECT_NE(body.find("<details><summary><code>network</code> failed</summary>\n\n```\nError: "
                        "Unsupported argument\n```"),
              std::string::npos)
        << body;
}

TEST(PrComment, ItsStateSurvivesAJsonRoundTrip) {
    PrComments c;
    auto done = plan("n1", "network", kHead1, 2, "succeeded");
    done.plan = summary(2, {"+ a", "+ b"});
    apply_plan_state(c, done);
    c.comment_ids = {11, 12};
    c.part_hashes = {"h1", "h2"};
    c.retired = {"old"};
    auto back = PrComments::from_json(c.to_json());
    EXPECT_EQ(back.to_json(), c.to_json());
    EXPECT_EQ(back.roots.at("network").plan->resources.size(), 2u);
    EXPECT_TRUE(PrComments::from_json("not json").roots.empty());
    EXPECT_TRUE(PrComments::from_json("").comment_ids.empty());
}

TEST(PrComment, PastTheLimitItSplitsIntoPartsThatEachFit) {
    PrComments c;
    for (const char* root : {"a", "b", "c", "d"}) {
        auto s = plan(std::string("p-") + root, root, kHead1, 2, "succeeded");
        std::vector<std::string> resources;
        for (int i = 0; i < 600; ++i)
            resources.push_back("+ module.cluster.aws_instance.node_" + std::string(root) + "[" +
                                std::to_string(i) + "]");
        s.plan = summary(600, resources);
        apply_plan_state(c, s);
    }
    auto parts = render_pr_comment(c, "acme/infra", RenderLinks{}, 65536);
    ASSERT_GE(parts.size(), 2u);
    std::string all;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        EXPECT_LE(parts[i].size(), 65536u) << "part " << i;
        EXPECT_NE(parts[i].find("(part " + std::to_string(i + 1) + " of " +
                                std::to_string(parts.size()) + ")"),
                  std::string::npos);
        all += parts[i];
    }
    for (const char* last : {"node_a[599]", "node_b[599]", "node_c[599]", "node_d[599]"})
        EXPECT_NE(all.find(last), std::string::npos) << last << " got lost in the split";
}

TEST(PrComment, ASingleRootTooBigForOneCommentIsCutWithANote) {
    PrComments c;
    auto s = plan("huge", "huge", kHead1, 2, "succeeded");
    std::vector<std::string> resources(5000,
                                       "+ module.cluster.aws_instance.a_rather_long_resource_name");
    s.plan = summary(5000, resources);
    apply_plan_state(c, s);
    auto parts = render_pr_comment(c, "acme/infra", RenderLinks{}, 65536);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_LE(parts[0].size(), 65536u);
    EXPECT_NE(parts[0].find("Cut to fit the comment"), std::string::npos);
    EXPECT_NE(parts[0].find("</details>"), std::string::npos) << "the fold was left open";
}

}  // namespace
}  // namespace strata::notifier
