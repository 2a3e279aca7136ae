// Which roots a change affects and in which order, over in-memory trees: when_modified, local
// modules followed transitively, Terragrunt sources, dependencies and includes, symlinked files,
// depends_on, execution order groups, cycles and deleted roots; and the index moved along a diff
// agreeing with one built afresh.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "affected_roots.hpp"
#include "config_loader.hpp"
#include "planner_fake_tree.hpp"

namespace strata::planner {
namespace {

using testing::FakeTree;

struct Result_ {
    std::vector<std::string> roots;  // in publishing order
    std::map<std::string, std::vector<std::string>> upstreams;
    std::vector<std::string> deleted;
    std::optional<ConfigError> cycle;
};

// Runs the planner's analysis of before -> after with the config after holds (or discovery).
Result_ affected(const FakeTree& before, const FakeTree& after,
                 std::function<bool(const RootConfig&)> include = nullptr) {
    ScanCache scans;
    auto index = RepoIndex::build(after, scans);
    EXPECT_TRUE(index.ok()) << index.error().message;
    ConfigLoader loader;
    auto loaded = loader.load(after, *index);
    EXPECT_TRUE(loaded.ok());
    EXPECT_TRUE(loaded->errors.empty()) << describe(loaded->errors);
    auto listed = loader.listed_roots(before);
    EXPECT_TRUE(listed.ok());
    auto changed = after.changes_since(before);
    ChangeInputs in{*loaded->roots, listed->get(), *index, changed,
                    [&](const std::string& dir) -> Result<bool> {
                        auto entries = before.entries(dir);
                        return std::any_of(entries->begin(), entries->end(), [](const auto& e) {
                            return e.name.ends_with(".tf") || e.name == "terragrunt.hcl";
                        });
                    }};
    if (include) in.include = include;
    auto changes = find_affected_roots(in);
    EXPECT_TRUE(changes.ok()) << changes.error().message;
    Result_ out;
    for (const auto& a : changes->roots) {
        out.roots.push_back(a.root->name);
        out.upstreams[a.root->name] = a.upstream_roots;
    }
    for (const auto& d : changes->deleted) out.deleted.push_back(d.name);
    out.cycle = changes->cycle;
    return out;
}

using Names = std::vector<std::string>;

FakeTree monorepo() {
    return FakeTree()
        .file("modules/subnet/main.tf", "variable \"cidr\" {}\n")
        .file("modules/vpc/main.tf", "module \"subnet\" {\n  source = \"../subnet\"\n}\n")
        .file("modules/vpc/templates/policy.json", "{}")
        .file("network/main.tf", "module \"vpc\" {\n  source = \"../modules/vpc\"\n}\n")
        .file("app/main.tf", "resource \"null_resource\" \"a\" {}\n")
        .file("app/README.md", "docs")
        .file("dns/main.tf", "resource \"null_resource\" \"z\" {}\n");
}

TEST(PlannerAffectedRoots, AChangedTerraformFileAffectsItsRootOnly) {
    auto before = monorepo();
    auto after = before.at("after").file("app/main.tf", "changed");
    EXPECT_EQ(affected(before, after).roots, (Names{"app"}));
    auto docs = before.at("after").file("app/README.md", "new docs");
    EXPECT_TRUE(affected(before, docs).roots.empty());
}

TEST(PlannerAffectedRoots, ModuleChangesReachTheirCallersTransitively) {
    auto before = monorepo();
    EXPECT_EQ(affected(before, before.at("a").file("modules/subnet/main.tf", "x")).roots,
              (Names{"network"}));
    EXPECT_EQ(affected(before, before.at("b").file("modules/vpc/templates/policy.json", "x")).roots,
              (Names{"network"}));
    // Modules are not roots themselves.
    EXPECT_EQ(affected(before, before.at("c").file("modules/vpc/main.tf", "x")).roots,
              (Names{"network"}));
}

TEST(PlannerAffectedRoots, AModuleCallAddedInTheSameCommitCounts) {
    auto before = monorepo();
    auto after = before.at("after")
                     .file("dns/main.tf", "module \"vpc\" { source = \"../modules/vpc\" }\n")
                     .file("modules/subnet/main.tf", "changed");
    EXPECT_EQ(affected(before, after).roots, (Names{"dns", "network"}));
}

FakeTree terragrunt() {
    return FakeTree()
        .file("live/terragrunt.hcl", "remote_state {\n  backend = \"s3\"\n}\n")
        .file("live/env.hcl", "locals { env = \"prod\" }\n")
        .file("modules/vpc/main.tf", "variable \"x\" {}\n")
        .file("modules/app/main.tf", "variable \"y\" {}\n")
        .file("live/prod/vpc/terragrunt.hcl",
              "include \"root\" {\n  path = find_in_parent_folders()\n}\n"
              "terraform {\n  source = \"../../../modules//vpc\"\n}\n")
        .file("live/prod/app/terragrunt.hcl",
              "include \"root\" {\n  path = find_in_parent_folders()\n}\n"
              "terraform {\n  source = \"${get_repo_root()}/modules//app\"\n}\n"
              "dependency \"vpc\" {\n  config_path = \"../vpc\"\n}\n"
              "locals {\n  env = read_terragrunt_config(find_in_parent_folders(\"env.hcl\"))\n}\n")
        .file("live/prod/web/terragrunt.hcl",
              "terraform {\n  source = \"../../../modules//app\"\n}\n"
              "dependencies {\n  paths = [\"../app\"]\n}\n");
}

TEST(PlannerAffectedRoots, TerragruntSourcesAndDependenciesAffectAndOrder) {
    auto before = terragrunt();
    auto r = affected(before, before.at("a").file("modules/vpc/main.tf", "changed"));
    // vpc by its source; app reads vpc's outputs; web only orders after app (not affected).
    EXPECT_EQ(r.roots, (Names{"live/prod/vpc", "live/prod/app"}));
    EXPECT_EQ(r.upstreams["live/prod/app"], (Names{"live/prod/vpc"}));
    EXPECT_TRUE(r.upstreams["live/prod/vpc"].empty());

    auto both = affected(before, before.at("b").file("modules/app/main.tf", "changed"));
    EXPECT_EQ(both.roots, (Names{"live/prod/app", "live/prod/web"}));
    EXPECT_EQ(both.upstreams["live/prod/web"], (Names{"live/prod/app"}));
}

TEST(PlannerAffectedRoots, TerragruntIncludesFollowTheNearestParentFile) {
    auto before = terragrunt();
    // The root config at live/ is included by vpc and app (web includes nothing).
    EXPECT_EQ(affected(before, before.at("a").file("live/terragrunt.hcl", "changed {}")).roots,
              (Names{"live/prod/vpc", "live/prod/app"}));
    EXPECT_EQ(affected(before, before.at("b").file("live/env.hcl", "changed {}")).roots,
              (Names{"live/prod/app"}));
    // A nearer terragrunt.hcl (at live/prod) now answers find_in_parent_folders() instead.
    auto nearer = before.at("c").file("live/prod/terragrunt.hcl", "inputs = {}\n");
    EXPECT_EQ(affected(nearer, nearer.at("d").file("live/terragrunt.hcl", "changed {}")).roots,
              Names{});
}

TEST(PlannerAffectedRoots, ASymlinkedTerraformFileDependsOnItsTarget) {
    auto before = FakeTree()
                      .file("common/providers.tf", "provider \"aws\" {}\n")
                      .file("app/main.tf", "x")
                      .symlink("app/providers.tf", "../common/providers.tf");
    auto r = affected(before, before.at("a").file("common/providers.tf", "provider \"x\" {}"));
    EXPECT_EQ(r.roots, (Names{"app", "common"}));
}

TEST(PlannerAffectedRoots, ADeletedRootIsReportedAndNotPlanned) {
    auto before = monorepo();
    auto r = affected(before, before.at("a").remove("dns"));
    EXPECT_TRUE(r.roots.empty());
    EXPECT_EQ(r.deleted, (Names{"dns"}));
    // A root emptied of *.tf but keeping other files is deleted too.
    auto r2 = affected(before, before.at("b").remove("app/main.tf"));
    EXPECT_EQ(r2.deleted, (Names{"app"}));
}

TEST(PlannerAffectedRoots, ARenamedRootIsDeletedUnderItsOldNameAndPlannedUnderItsNew) {
    auto before = monorepo();
    auto after =
        before.at("a").remove("dns").file("zones/main.tf", "resource \"null_resource\" \"z\" {}\n");
    auto r = affected(before, after);
    EXPECT_EQ(r.roots, (Names{"zones"}));
    EXPECT_EQ(r.deleted, (Names{"dns"}));
}

const char* kStrataYaml = R"(version: 1
roots:
  - name: network
    dir: network
  - name: app
    dir: app
    depends_on: [network]
    when_modified: ["*.tf", "!*_test.tf", "config/*.yaml"]
  - name: dns
    dir: dns
    depends_on: [app]
    auto_deploy: false
  - name: audit
    dir: audit
    depends_on: [dns]
)";

FakeTree configured() {
    return monorepo()
        .file("strata.yaml", kStrataYaml)
        .file("app/config/settings.yaml", "a: 1")
        .file("audit/main.tf", "x");
}

TEST(PlannerAffectedRoots, ConfiguredWhenModifiedWithExclusions) {
    auto before = configured();
    EXPECT_EQ(affected(before, before.at("a").file("app/config/settings.yaml", "a: 2")).roots,
              (Names{"app", "dns", "audit"}));
    EXPECT_TRUE(affected(before, before.at("b").file("app/x_test.tf", "t")).roots.empty());
}

TEST(PlannerAffectedRoots, DependsOnAffectsDownstreamAndListsNearestUpstreams) {
    auto before = configured();
    auto r = affected(before, before.at("a").file("network/main.tf", "changed"));
    EXPECT_EQ(r.roots, (Names{"network", "app", "dns", "audit"}));
    EXPECT_EQ(r.upstreams["app"], (Names{"network"}));
    EXPECT_EQ(r.upstreams["audit"], (Names{"dns"}));
    // Without dns (auto_deploy false, for merges), audit waits for app, the nearest one left.
    auto merges = affected(before, before.at("b").file("network/main.tf", "changed"),
                           [](const RootConfig& r) { return r.auto_deploy; });
    EXPECT_EQ(merges.roots, (Names{"network", "app", "audit"}));
    EXPECT_EQ(merges.upstreams["audit"], (Names{"app"}));
}

TEST(PlannerAffectedRoots, AtlantisDependsOnOrdersWithoutAffecting) {
    auto before = monorepo().file("atlantis.yaml", R"(version: 3
projects:
- {name: network, dir: network, execution_order_group: 1}
- {name: app, dir: app, depends_on: [network], execution_order_group: 1}
- {name: dns, dir: dns, execution_order_group: 2}
)");
    auto only_network = affected(before, before.at("a").file("network/main.tf", "x"));
    EXPECT_EQ(only_network.roots, (Names{"network"}));
    auto all = affected(before, before.at("b")
                                    .file("network/main.tf", "x")
                                    .file("app/main.tf", "y")
                                    .file("dns/main.tf", "z"));
    EXPECT_FALSE(all.cycle);
    EXPECT_EQ(all.roots, (Names{"network", "app", "dns"}));
    EXPECT_EQ(all.upstreams["app"], (Names{"network"}));
    EXPECT_EQ(all.upstreams["dns"], (Names{"app", "network"}));  // group 2 after group 1
}

TEST(PlannerAffectedRoots, ATerragruntDependencyCycleIsAnErrorWithFileAndLine) {
    auto before = FakeTree()
                      .file("a/terragrunt.hcl",
                            "terraform {}\ndependency \"b\" {\n"
                            "  config_path = \"../b\"\n}\n")
                      .file("b/terragrunt.hcl",
                            "terraform {}\n\n\ndependency \"a\" {\n"
                            "  config_path = \"../a\"\n}\n");
    auto r = affected(before, before.at("x").file("a/main.tf", "changed"));
    ASSERT_TRUE(r.cycle);
    EXPECT_TRUE(r.roots.empty());
    EXPECT_EQ(r.cycle->message, "dependency cycle: a -> b -> a");
    EXPECT_EQ(r.cycle->file, "a/terragrunt.hcl");
    EXPECT_EQ(r.cycle->line, 2);
}

TEST(PlannerAffectedRoots, TheIndexMovedAlongADiffEqualsOneBuiltAfresh) {
    auto before = terragrunt();
    auto after = before.at("after")
                     .remove("live/prod/web")
                     .file("live/prod/db/terragrunt.hcl",
                           "terraform {\n  source = \"../../../modules//vpc\"\n}\n")
                     .file("live/prod/app/terragrunt.hcl", "terraform {}\n")
                     .symlink("live/prod/db/x.tf", "../../../modules/vpc/main.tf");
    ScanCache scans;
    auto moved = RepoIndex::build(before, scans);
    ASSERT_TRUE(moved.ok());
    ASSERT_TRUE(moved->advance(after, after.changes_since(before), scans).ok());
    auto fresh = RepoIndex::build(after, scans);
    ASSERT_TRUE(fresh.ok());
    EXPECT_EQ(moved->revision(), "after");
    ASSERT_EQ(moved->dirs().size(), fresh->dirs().size());
    for (const auto& [dir, facts] : fresh->dirs()) {
        const DirFacts* m = moved->dir(dir);
        ASSERT_NE(m, nullptr) << dir;
        EXPECT_EQ(m->has_tf, facts.has_tf) << dir;
        EXPECT_EQ(m->terragrunt_unit, facts.terragrunt_unit) << dir;
        EXPECT_EQ(m->modules.size(), facts.modules.size()) << dir;
        EXPECT_EQ(m->dependencies.size(), facts.dependencies.size()) << dir;
        EXPECT_EQ(m->includes.size(), facts.includes.size()) << dir;
    }
    for (const auto& target : {"modules/vpc", "modules/app", "live/prod/vpc"})
        EXPECT_EQ(moved->module_callers(target), fresh->module_callers(target)) << target;
    EXPECT_EQ(moved->dependents("live/prod/vpc"), fresh->dependents("live/prod/vpc"));
    EXPECT_EQ(moved->includers("modules/vpc/main.tf"), fresh->includers("modules/vpc/main.tf"));
    EXPECT_EQ(moved->parent_lookups("terragrunt.hcl"), fresh->parent_lookups("terragrunt.hcl"));
}

TEST(PlannerConfigLoader, ParsesAConfigOncePerBlobAndPrefersStrataYaml) {
    auto tree = configured().file("atlantis.yaml", "version: 3\n");
    ScanCache scans;
    auto index = RepoIndex::build(tree, scans);
    ConfigLoader loader;
    auto first = loader.load(tree, *index);
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(first->roots);
    EXPECT_EQ(first->roots->config().file, "strata.yaml");
    auto again = loader.load(tree.at("other-commit"), *index);
    EXPECT_EQ(again->roots, first->roots) << "same blob: the compiled roots are reused";
    EXPECT_EQ(loader.parses(), 1);
    auto changed = tree.at("x").file("strata.yaml", std::string(kStrataYaml) + "\n");
    ASSERT_TRUE(loader.load(changed, *index).ok());
    EXPECT_EQ(loader.parses(), 2);
}

TEST(PlannerConfigLoader, DiscoveryFindsTerraformAndTerragruntRootsOutsideModules) {
    auto tree = terragrunt().file("app/main.tf", "x").file("modules/x/main.tf", "y");
    ScanCache scans;
    auto index = RepoIndex::build(tree, scans);
    ConfigLoader loader;
    auto loaded = loader.load(tree, *index);
    ASSERT_TRUE(loaded.ok());
    Names names;
    for (const auto& r : loaded->roots->roots()) names.push_back(r.name);
    EXPECT_EQ(names, (Names{"app", "live/prod/app", "live/prod/vpc", "live/prod/web"}));
}

TEST(PlannerConfigLoader, RootDirsThroughSymlinksLeavingTheRepositoryAreRefused) {
    auto tree = FakeTree()
                    .file("strata.yaml",
                          "version: 1\nroots:\n  - name: ok\n    dir: inside/app\n"
                          "  - name: bad\n    dir: escape/app\n")
                    .file("real/app/main.tf", "x")
                    .symlink("inside", "real")
                    .symlink("escape", "../../etc");
    ScanCache scans;
    auto index = RepoIndex::build(tree, scans);
    ConfigLoader loader;
    auto loaded = loader.load(tree, *index);
    ASSERT_TRUE(loaded.ok());
    EXPECT_FALSE(loaded->roots);
    EXPECT_EQ(describe(loaded->errors),
              "strata.yaml:6: root 'bad': dir 'escape/app' goes through symlink 'escape' -> "
              "'../../etc', which leaves the repository");
}

TEST(PlannerConfigLoader, ASymlinkedConfigFileIsRefused) {
    auto tree = FakeTree().file("real.yaml", "version: 1\n").symlink("strata.yaml", "real.yaml");
    ScanCache scans;
    auto index = RepoIndex::build(tree, scans);
    ConfigLoader loader;
    auto loaded = loader.load(tree, *index);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(describe(loaded->errors), "strata.yaml: strata.yaml is a symlink; it must be a file");
}

}  // namespace
}  // namespace strata::planner
