// The planner service on a real RabbitMQ with real repositories built by git: publish an event
// as ingest (or the CLI) would, consume what the planner publishes.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "planner_harness.hpp"
#include "planner_repo.hpp"
#include "support/git_daemon.hpp"

namespace strata::planner {
namespace {

using testing::event;
using testing::PlannerHarness;
using testing::TempDir;
using testing::Upstream;

namespace fs = std::filesystem;
const std::string kZero(40, '0');

std::vector<std::string> names(const std::vector<Message<DeployRequested>>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms) out.push_back(m.payload.root.name);
    return out;
}
std::vector<std::string> names(const std::vector<Message<PlanRequested>>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms) out.push_back(m.payload.root.name);
    return out;
}
using Names = std::vector<std::string>;

class PlannerServiceTest : public ::testing::Test {
protected:
    PlannerServiceTest() {
        upstream.write("modules/vpc/main.tf", "variable \"cidr\" {}\n")
            .write("network/main.tf", "module \"vpc\" {\n  source = \"../modules/vpc\"\n}\n")
            .write("app/main.tf", "resource \"null_resource\" \"app\" {}\n")
            .write("dns/main.tf", "resource \"null_resource\" \"dns\" {}\n")
            .write("strata.yaml", R"(version: 1
roots:
  - name: network
    dir: network
  - name: app
    dir: app
    depends_on: [network]
  - name: dns
    dir: dns
)");
        first = upstream.commit("first");
    }

    PlannerHarness& planner() {
        if (!harness)
            harness = std::make_unique<PlannerHarness>(std::map<std::string, std::string>{
                {"cache_dir", tmp.path() + "/mirrors"},
                {"clone_url_template", "file://" + tmp.path() + "/repos/{repo}"}});
        return *harness;
    }

    Message<PushEvent> push(const std::string& before, const std::string& after,
                            const std::string& ref = "refs/heads/main", bool forced = false) {
        return event(PushEvent{repo(), ref, before, after, "alice", forced});
    }
    RepoRef repo() const { return testing::repo_ref("acme/infra", upstream.url()); }

    TempDir tmp{"strata-planner-service"};
    Upstream upstream{tmp.path() + "/repos/acme/infra"};
    std::string first;
    std::unique_ptr<PlannerHarness> harness;
};

TEST_F(PlannerServiceTest, APushToTheDefaultBranchDeploysAffectedRootsUpstreamsFirst) {
    std::string second =
        upstream.write("modules/vpc/main.tf", "variable \"cidr\" { type = string }\n")
            .write("dns/main.tf", "# changed\n")
            .commit();
    auto m = push(first, second);
    planner().publish(m);
    auto deploys = planner().received<DeployRequested>(3);
    ASSERT_EQ(names(deploys), (Names{"network", "dns", "app"}));
    const auto& app = deploys[2].payload;
    EXPECT_EQ(app.upstream_roots, (Names{"network"}));
    EXPECT_EQ(app.trigger, "merge");
    EXPECT_EQ(app.revision, second);
    EXPECT_EQ(app.ref, "refs/heads/main");
    EXPECT_EQ(app.user, "alice");
    EXPECT_EQ(app.root.dir, "app");
    EXPECT_EQ(deploys[0].envelope.correlation_id, m.envelope.correlation_id);
    EXPECT_EQ(deploys[0].envelope.causation_id, m.envelope.id);
    EXPECT_TRUE(planner().settled("event.push", "acked"));
}

TEST_F(PlannerServiceTest, DeployRequestsCarryTheRootsRepoSettingsAtTheDeployedRevision) {
    std::string second = upstream.write("app/main.tf", "# changed\n")
                             .write("strata.yaml", R"(version: 1
roots:
  - name: network
    dir: network
  - name: app
    dir: app
    depends_on: [network]
    review: {required: always, reviewers: [alice, acme/sre]}
    apply: {enabled: false, timeout: 45m}
  - name: dns
    dir: dns
)")
                             .commit();
    planner().publish(push(first, second));
    auto deploys = planner().received<DeployRequested>(1);
    ASSERT_EQ(names(deploys), (Names{"app"}));
    const auto& app = deploys[0].payload;
    EXPECT_EQ(app.review_required, "always");
    EXPECT_EQ(app.reviewers, (Names{"alice", "acme/sre"}));
    EXPECT_FALSE(app.apply_enabled);
    EXPECT_EQ(app.apply_timeout, "45m");
}

TEST_F(PlannerServiceTest, ARedeliveredPushPublishesTheSameMessageIds) {
    std::string second = upstream.write("app/main.tf", "# changed\n").commit();
    auto m = push(first, second);
    planner().publish(m);
    planner().publish(m);  // the same event again, same id
    auto deploys = planner().received<DeployRequested>(2);
    ASSERT_EQ(deploys.size(), 2u);
    EXPECT_EQ(deploys[0].envelope.id, deploys[1].envelope.id);
    EXPECT_EQ(deploys[0].envelope.id, derived_uuid(m.envelope.id + "|app|" + second));
}

TEST_F(PlannerServiceTest, PushesElsewhereAndBranchDeletionsDeployNothing) {
    upstream.git("checkout -q -b feature");
    std::string feature = upstream.write("app/main.tf", "# feature\n").commit();
    planner().publish(push(first, feature, "refs/heads/feature"));
    planner().publish(push(feature, kZero, "refs/heads/feature"));
    EXPECT_TRUE(planner().settled("event.push", "ignored", 2));
    EXPECT_EQ(planner().count("deploy.requested"), 0u);
}

TEST_F(PlannerServiceTest, TheFirstPushOfABranchDeploysEveryRoot) {
    planner().publish(push(kZero, first));
    EXPECT_EQ(names(planner().received<DeployRequested>(3)), (Names{"network", "dns", "app"}));
}

TEST_F(PlannerServiceTest, AForcePushDeploysTheRootsItsDroppedCommitsHadChanged) {
    std::string dropped = upstream.write("dns/main.tf", "# will be dropped\n").commit();
    planner().publish(push(first, dropped));
    ASSERT_EQ(names(planner().received<DeployRequested>(1)), (Names{"dns"}));
    upstream.git("reset -q --hard " + first);
    std::string rewritten = upstream.write("app/main.tf", "# instead\n").commit();
    planner().publish(push(dropped, rewritten, "refs/heads/main", true));
    auto deploys = planner().received<DeployRequested>(3);
    ASSERT_EQ(deploys.size(), 3u);
    EXPECT_EQ(names({deploys[1], deploys[2]}), (Names{"dns", "app"}));
    EXPECT_EQ(deploys[2].payload.revision, rewritten);
}

TEST_F(PlannerServiceTest, RenamingAndDeletingRootsReportsThemDeleted) {
    std::string second = upstream.move("dns", "zones")
                             .write("strata.yaml", R"(version: 1
roots:
  - {name: network, dir: network}
  - {name: zones, dir: zones}
)")
                             .remove("app")
                             .commit();
    planner().publish(push(first, second));
    auto deploys = planner().received<DeployRequested>(1);
    EXPECT_EQ(names(deploys), (Names{"zones"}));
    auto deleted = planner().received<RootDeleted>(2);
    std::set<std::string> gone;
    for (const auto& d : deleted) gone.insert(d.payload.root.name);
    EXPECT_EQ(gone, (std::set<std::string>{"app", "dns"}));
    EXPECT_EQ(deleted[0].payload.revision, second);
}

TEST_F(PlannerServiceTest, AFileMovedFromOneRootToAnotherAffectsBoth) {
    upstream.write("app/extra.tf", "locals { x = 1 }\n").commit();
    std::string base = upstream.git("rev-parse HEAD");
    std::string moved = upstream.move("app/extra.tf", "dns/extra.tf").commit();
    planner().publish(push(base, moved));
    auto deployed = names(planner().received<DeployRequested>(2));
    std::set<std::string> got(deployed.begin(), deployed.end());
    EXPECT_EQ(got, (std::set<std::string>{"app", "dns"}));
}

TEST_F(PlannerServiceTest, APullRequestBreakingTheConfigIsReportedOnThatPullRequest) {
    upstream.git("checkout -q -b broken");
    std::string head = upstream
                           .write("strata.yaml",
                                  "version: 1\nroots:\n  - {name: a, dir: app}\n"
                                  "  - {name: a, dir: dns}\n")
                           .commit();
    upstream.git("checkout -q main");
    PullRequestEvent pr{repo(), "opened", 8, "main", first, "broken", head, false, false, "bob"};
    planner().publish(event(pr));
    auto invalid = planner().received<ConfigInvalid>(1);
    ASSERT_EQ(invalid.size(), 1u);
    EXPECT_EQ(invalid[0].payload.pull_number, 8);
    EXPECT_EQ(invalid[0].payload.revision, head);
    EXPECT_EQ(invalid[0].payload.line, 4);
    EXPECT_NE(invalid[0].payload.message.find("duplicate"), std::string::npos)
        << invalid[0].payload.message;
    EXPECT_TRUE(planner().settled("event.pull_request", "acked"));
    EXPECT_EQ(planner().count("plan.requested"), 0u);
}

TEST_F(PlannerServiceTest, AnInvalidConfigIsReportedWithFileAndLineAndDeploysNothing) {
    std::string second = upstream
                             .write("strata.yaml",
                                    "version: 1\nroots:\n  - name: x\n"
                                    "    dir: ../outside\n")
                             .write("app/main.tf", "# changed\n")
                             .commit();
    planner().publish(push(first, second));
    auto invalid = planner().received<ConfigInvalid>(1);
    ASSERT_EQ(invalid.size(), 1u);
    EXPECT_EQ(invalid[0].payload.file, "strata.yaml");
    EXPECT_EQ(invalid[0].payload.line, 4);
    EXPECT_EQ(invalid[0].payload.message,
              "strata.yaml:4: root 'x': dir '../outside' escapes the repository");
    EXPECT_TRUE(planner().settled("event.push", "acked"));
    EXPECT_EQ(planner().count("deploy.requested"), 0u);
}

TEST_F(PlannerServiceTest, APullRequestFromAForkIsPlannedAgainstItsMergeBase) {
    upstream.git("checkout -q -b fork");
    std::string head = upstream.write("app/main.tf", "# from a fork\n").commit();
    upstream.git("checkout -q main");
    std::string moved_on = upstream.write("dns/main.tf", "# main moved on\n").commit();
    upstream.git("update-ref refs/pull/12/head " + head);
    upstream.git("branch -q -D fork");
    // Served by git daemon: unlike file://, git:// sends only what the fetched refs reach, so
    // the fork's head arrives only through refs/pull/12/head.
    strata::testing::GitDaemon server(tmp.path());
    auto served = repo();
    served.clone_url = server.url("repos/acme/infra");
    PullRequestEvent pr{served, "opened", 12, "main", moved_on, "fork", head, false, false, "bob"};
    planner().publish(event(pr));
    auto plans = planner().received<PlanRequested>(1);
    ASSERT_EQ(names(plans), (Names{"app"}));  // not dns: main's change is not the PR's
    EXPECT_EQ(plans[0].payload.revision, head);
    EXPECT_EQ(plans[0].payload.base_revision, first);
    EXPECT_EQ(plans[0].payload.pull_number, 12);
    EXPECT_EQ(plans[0].payload.trigger, "pull_request");

    pr.action = "closed";
    planner().publish(event(pr));
    auto cancelled = planner().received<PlanCancelled>(1);
    ASSERT_EQ(cancelled.size(), 1u);
    EXPECT_EQ(cancelled[0].payload.pull_number, 12);
    EXPECT_EQ(cancelled[0].payload.revision, "");
}

TEST_F(PlannerServiceTest, ALateDeliveryOfAnOlderPullRequestHeadPlansNothing) {
    upstream.git("checkout -q -b feature");
    std::string older = upstream.write("app/main.tf", "# one\n").commit();
    std::string newer = upstream.write("dns/main.tf", "# two\n").commit();
    upstream.git("checkout -q main");
    upstream.git("update-ref refs/pull/21/head " + newer);
    PullRequestEvent pr{repo(),    "synchronize", 21,    "main", first,
                        "feature", newer,         false, false,  "bob"};
    planner().publish(event(pr));
    auto plans = planner().received<PlanRequested>(2);
    EXPECT_EQ(names(plans), (Names{"dns", "app"}));

    pr.head_sha = older;  // GitHub delivered the older push's event last
    planner().publish(event(pr));
    ASSERT_TRUE(planner().settled("event.pull_request", "acked", 2));
    EXPECT_EQ(planner().count("plan.requested"), 2u) << "the outdated head was planned";
}

TEST_F(PlannerServiceTest, AHeadNewerThanThePullRefIsPlanned) {
    upstream.git("checkout -q -b feature");
    std::string older = upstream.write("app/main.tf", "# one\n").commit();
    std::string newer = upstream.write("dns/main.tf", "# two\n").commit();
    upstream.git("checkout -q main");
    upstream.git("update-ref refs/pull/22/head " + older);  // GitHub has not moved it yet
    PullRequestEvent pr{repo(),    "synchronize", 22,    "main", first,
                        "feature", newer,         false, false,  "bob"};
    planner().publish(event(pr));
    auto plans = planner().received<PlanRequested>(2);
    ASSERT_EQ(plans.size(), 2u);
    EXPECT_EQ(plans[0].payload.revision, newer);
}

TEST_F(PlannerServiceTest, APlanCommentPlansThePullRequestsCurrentHead) {
    upstream.git("checkout -q -b feature");
    upstream.write("app/main.tf", "# one\n").commit();
    std::string head = upstream.write("network/main.tf", "# two\n").commit();
    upstream.git("checkout -q main");
    upstream.git("update-ref refs/pull/3/head " + head);
    planner().publish(event(CommentCommandEvent{repo(), 3, 99, "plan", {}, "carol"}));
    auto plans = planner().received<PlanRequested>(2);
    EXPECT_EQ(names(plans), (Names{"network", "app"}));
    EXPECT_EQ(plans[0].payload.trigger, "comment");
    EXPECT_EQ(plans[0].payload.revision, head);
    // Naming a root plans it alone, changed or not.
    planner().publish(event(CommentCommandEvent{repo(), 3, 100, "plan", {"-p", "dns"}, "carol"}));
    auto more = planner().received<PlanRequested>(3);
    EXPECT_EQ(more.back().payload.root.name, "dns");
    // Other commands are the scheduler's.
    planner().publish(event(CommentCommandEvent{repo(), 3, 101, "unlock", {}, "carol"}));
    EXPECT_TRUE(planner().settled("event.issue_comment", "ignored"));
}

TEST_F(PlannerServiceTest, AMergeGroupIsPlanned) {
    upstream.git("checkout -q -b gh-readonly-queue/main/pr-5");
    std::string head = upstream.write("dns/main.tf", "# queued\n").commit();
    upstream.git("checkout -q main");
    planner().publish(event(MergeGroupEvent{repo(), "checks_requested", head,
                                            "refs/heads/gh-readonly-queue/main/pr-5", first,
                                            "refs/heads/main", "dave"}));
    auto plans = planner().received<PlanRequested>(1);
    ASSERT_EQ(names(plans), (Names{"dns"}));
    EXPECT_EQ(plans[0].payload.trigger, "merge_group");
    EXPECT_EQ(plans[0].payload.pull_number, 0);
}

TEST_F(PlannerServiceTest, ReRunsDeployCommitsOnTheDefaultBranchOnly) {
    std::string second =
        upstream.write("app/main.tf", "# changed\n").write("dns/main.tf", "#\n").commit();
    upstream.git("checkout -q -b feature");
    std::string feature = upstream.write("app/main.tf", "# feature\n").commit();
    upstream.git("checkout -q main");
    // GitHub sent a null head_branch: the mirror decides.
    planner().publish(event(CheckRunEvent{repo(), "rerequested", 1, "strata/deploy: app", "dep-1",
                                          second, "", "", "erin"}));
    auto deploys = planner().received<DeployRequested>(1);
    ASSERT_EQ(deploys.size(), 1u);
    EXPECT_EQ(deploys[0].payload.root.name, "app");
    EXPECT_EQ(deploys[0].payload.trigger, "manual");
    EXPECT_TRUE(deploys[0].payload.rerun);
    planner().publish(event(CheckRunEvent{repo(), "rerequested", 2, "strata/deploy: app", "dep-2",
                                          feature, "", "", "erin"}));
    auto refused = planner().received<RequestRefused>(1);
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_EQ(refused[0].payload.request, "rerun");
    EXPECT_EQ(refused[0].payload.reason,
              "Reruns are only supported for commits on the default branch");
    // The whole suite: every root that commit changed.
    planner().publish(event(CheckSuiteEvent{repo(), "rerequested", second, "main", "erin"}));
    auto all = planner().received<DeployRequested>(3);
    EXPECT_EQ(names({all[1], all[2]}), (Names{"dns", "app"}));
    EXPECT_TRUE(all[2].payload.rerun);
    // Buttons are the scheduler's.
    planner().publish(event(CheckRunEvent{repo(), "requested_action", 3, "strata/deploy: app",
                                          "dep-1", second, "main", "unlock", "erin"}));
    EXPECT_TRUE(planner().settled("event.check_run", "ignored"));
}

TEST_F(PlannerServiceTest, AManualTriggerDeploysTheNamedRootsAtTheBranchHead) {
    std::string second = upstream.write("dns/main.tf", "# changed\n").commit();
    planner().publish(
        event(TriggerDeploy{"acme/infra", {"app", "network"}, "", "", "frank", "hotfix", true}));
    auto deploys = planner().received<DeployRequested>(2);
    ASSERT_EQ(names(deploys), (Names{"network", "app"}));
    EXPECT_EQ(deploys[1].payload.revision, second);
    EXPECT_EQ(deploys[1].payload.trigger, "manual");
    EXPECT_EQ(deploys[1].payload.upstream_roots, (Names{"network"}));
    EXPECT_TRUE(deploys[1].payload.force);
    EXPECT_EQ(deploys[1].payload.reason, "hotfix");
    EXPECT_EQ(deploys[1].payload.repo.clone_url, "file://" + tmp.path() + "/repos/acme/infra");
    EXPECT_EQ(deploys[1].payload.repo.default_branch, "main");
}

TEST_F(PlannerServiceTest, InvalidTriggersAreDeadLetteredRefusedAndCounted) {
    planner().publish(event(TriggerDeploy{"acme/infra", {"nope"}, "", "", "frank", "", false}));
    auto refused = planner().received<RequestRefused>(1);
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_NE(refused[0].payload.reason.find("root 'nope' is not in the config"), std::string::npos)
        << refused[0].payload.reason;
    EXPECT_TRUE(planner().settled("trigger.deploy", "dead_lettered"));
    planner().publish_raw("trigger.deploy", "{\"not\": \"a trigger\"}", "bad-1");
    EXPECT_TRUE(planner().settled("trigger.deploy", "dead_lettered", 2));
    EXPECT_EQ(planner().metric("strata_planner_invalid_triggers_total"), 2);
}

TEST_F(PlannerServiceTest, EventsForOneRepositoryQueuedTogetherShareOneFetch) {
    std::vector<std::string> commits{first};
    for (int i = 0; i < 5; ++i)
        commits.push_back(upstream.write("app/main.tf", "# " + std::to_string(i) + "\n").commit());
    for (int i = 1; i <= 5; ++i) planner().publish(push(commits[i - 1], commits[i]));
    EXPECT_EQ(planner().received<DeployRequested>(5).size(), 5u);
    // The first event's fetch brings all five commits; the rest need none.
    EXPECT_EQ(planner().metric("strata_planner_fetches_total"), 1);
}

TEST_F(PlannerServiceTest, TheMirrorSurvivesARestartAndIsOnlyFetchedInto) {
    std::string second = upstream.write("app/main.tf", "# changed\n").commit();
    planner().publish(push(first, second));
    ASSERT_EQ(planner().received<DeployRequested>(1).size(), 1u);
    harness.reset();
    // A file of our own in the mirror: gone if the restarted planner cloned afresh.
    std::string marker = tmp.path() + "/mirrors/acme+infra.git/kept-across-restarts";
    std::ofstream(marker) << "x";
    std::string third = upstream.write("dns/main.tf", "# changed\n").commit();
    planner().publish(push(second, third));
    ASSERT_EQ(names(planner().received<DeployRequested>(1)), (Names{"dns"}));
    EXPECT_TRUE(fs::exists(marker));
    EXPECT_EQ(planner().metric("strata_planner_fetches_total"), 1);
}

TEST_F(PlannerServiceTest, ACorruptMirrorOnDiskIsRecreated) {
    std::string second = upstream.write("app/main.tf", "# changed\n").commit();
    planner().publish(push(first, second));
    ASSERT_EQ(planner().received<DeployRequested>(1).size(), 1u);
    harness.reset();  // the daemon stops; its mirror is damaged meanwhile
    std::string mirror = tmp.path() + "/mirrors/acme+infra.git";
    ASSERT_TRUE(fs::exists(mirror));
    for (const auto& entry : fs::recursive_directory_iterator(mirror + "/objects"))
        if (entry.is_regular_file()) {
            fs::permissions(entry.path(), fs::perms::owner_write, fs::perm_options::add);
            std::ofstream(entry.path(), std::ios::trunc) << "garbage";
        }
    std::string third = upstream.write("dns/main.tf", "# changed\n").commit();
    planner().publish(push(second, third));
    auto deploys = planner().received<DeployRequested>(1);
    ASSERT_EQ(names(deploys), (Names{"dns"}));
    auto fsck = testing::shell("git --git-dir='" + mirror + "' fsck --no-progress");
    EXPECT_EQ(fsck.first, 0) << fsck.second;
}

TEST_F(PlannerServiceTest, AMirrorFoundDamagedInUseIsDiscardedAndTheEventRetried) {
    std::string second = upstream.write("app/main.tf", "# changed\n").commit();
    planner().publish(push(first, second));
    ASSERT_EQ(planner().received<DeployRequested>(1).size(), 1u);
    harness.reset();
    // While the planner is down one object is lost that opening the mirror does not check and
    // no fetch brings again (network/main.tf never changes); the restarted planner reads it
    // when it indexes the tree.
    std::string mirror = tmp.path() + "/mirrors/acme+infra.git";
    std::string lost = upstream.git("rev-parse " + first + ":network/main.tf");
    testing::explode_packs(mirror, tmp.path());
    fs::remove(mirror + "/objects/" + lost.substr(0, 2) + "/" + lost.substr(2));
    std::string third = upstream.write("dns/main.tf", "# changed\n").commit();
    planner().publish(push(second, third));
    auto deploys = planner().received<DeployRequested>(1);
    ASSERT_EQ(names(deploys), (Names{"dns"}));
    EXPECT_GE(planner().metric("strata_planner_events_total",
                               {{"type", "event.push"}, {"outcome", "requeued"}}),
              1);
    auto fsck = testing::shell("git --git-dir='" + mirror + "' fsck --no-progress");
    EXPECT_EQ(fsck.first, 0) << fsck.second;
}

}  // namespace
}  // namespace strata::planner
