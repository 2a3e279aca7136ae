// strata.yaml and atlantis.yaml: what they parse into, and every error reported with its file
// and line. The atlantis.yaml cases follow the shapes of Atlantis' documented examples
// (repo-level atlantis.yaml, version 3), with our own names and values.
#include <gtest/gtest.h>

#include <string>

#include "repo_config.hpp"

namespace strata::planner {
namespace {

const RootConfig& root(const ConfigParse& p, const std::string& name) {
    for (const auto& r : p.config.roots)
        if (r.name == name) return r;
    ADD_FAILURE() << "no root " << name;
    static RootConfig none;
    return none;
}

// The single error expected, as "file:line: message".
std::string only_error(const ConfigParse& p) {
    EXPECT_EQ(p.errors.size(), 1u) << describe(p.errors);
    return p.errors.empty() ? "" : describe({p.errors.front()});
}

TEST(PlannerStrataYaml, ReadsRootsWithDefaultsApplied) {
    auto p = parse_strata_yaml(R"(version: 1
defaults:
  terraform_version: 1.7.5
  auto_plan: false
roots:
  - name: network
    dir: envs/prod/network
  - name: app
    dir: ./envs/prod/app/
    workspace: blue
    terraform_version: v1.8.0
    when_modified: ["*.tf", "../../../modules/app/**", "!*_test.tf"]
    depends_on: [network]
    auto_plan: true
    auto_deploy: false
    review:
      required: always
      reviewers: [alice, acme/sre]
    apply:
      enabled: true
      timeout: 45m
  - dir: .
)");
    ASSERT_TRUE(p.ok()) << describe(p.errors);
    EXPECT_EQ(p.config.source, RepoConfig::Source::Strata);
    ASSERT_EQ(p.config.roots.size(), 3u);
    const auto& network = root(p, "network");
    EXPECT_EQ(network.dir, "envs/prod/network");
    EXPECT_EQ(network.workspace, "default");
    EXPECT_EQ(network.terraform_version, "1.7.5");
    EXPECT_FALSE(network.auto_plan);
    EXPECT_TRUE(network.auto_deploy);
    EXPECT_EQ(network.when_modified,
              (std::vector<std::string>{"*.tf", "*.tfvars", "*.hcl", ".terraform.lock.hcl"}));
    EXPECT_EQ(network.line, 6);
    const auto& app = root(p, "app");
    EXPECT_EQ(app.dir, "envs/prod/app");
    EXPECT_EQ(app.workspace, "blue");
    EXPECT_EQ(app.terraform_version, "v1.8.0");
    EXPECT_EQ(app.when_modified.size(), 3u);
    EXPECT_EQ(app.depends_on, (std::vector<std::string>{"network"}));
    EXPECT_TRUE(app.auto_plan);
    EXPECT_FALSE(app.auto_deploy);
    EXPECT_EQ(app.review.required, "always");
    EXPECT_EQ(app.review.reviewers, (std::vector<std::string>{"alice", "acme/sre"}));
    EXPECT_EQ(app.apply.timeout, "45m");
    const auto& top = root(p, ".");
    EXPECT_EQ(top.dir, "");
    EXPECT_TRUE(p.config.depends_on_triggers);
    EXPECT_FALSE(p.config.discover);
}

TEST(PlannerStrataYaml, AnEmptyRootListIsValid) {
    EXPECT_TRUE(parse_strata_yaml("version: 1\nroots: []\n").ok());
    EXPECT_TRUE(parse_strata_yaml("version: 1\n").ok());
}

TEST(PlannerStrataYaml, ReportsEachProblemWithItsLine) {
    struct Case {
        const char* yaml;
        const char* error;
    };
    const Case cases[] = {
        {"version: 1\nroots:\n  - dir: /etc/terraform\n",
         "strata.yaml:3: root '/etc/terraform': dir '/etc/terraform' is absolute; dirs are "
         "relative to the repository's top"},
        {"version: 1\nroots:\n  - name: x\n    dir: a/../../outside\n",
         "strata.yaml:4: root 'x': dir 'a/../../outside' escapes the repository"},
        {"version: 1\nroots:\n  - name: a\n    dir: a\n  - name: a\n    dir: b\n",
         "strata.yaml:5: duplicate root name 'a' (first on line 3)"},
        {"version: 1\nroots:\n  - name: a\n    dir: a\n    when_modifed: ['*.tf']\n",
         "strata.yaml:5: root on line 3: unknown key 'when_modifed'"},
        {"version: 1\nroots:\n  - name: a\n    dir: a\n    when_modified: ['env-[ab.tf']\n",
         "strata.yaml:5: root 'a': when_modified: glob 'env-[ab.tf': unclosed '['"},
        {"version: 1\nroots:\n  - name: a\n    dir: a\n    when_modified: ['../../x/*.tf']\n",
         "strata.yaml:5: root 'a': when_modified: pattern '../../x/*.tf' escapes the repository"},
        {"version: 1\nroots:\n  - name: a\n    dir: a\n    depends_on: [ghost]\n",
         "strata.yaml:5: root 'a' depends on unknown root 'ghost'"},
        {"version: 1\nroots:\n  - name: a\n    dir: a\n    depends_on: [a]\n",
         "strata.yaml:5: root 'a' depends on itself"},
        {"version: 2\n", "strata.yaml:1: version 2 is not supported (this Strata reads version 1)"},
        {"roots: []\n", "strata.yaml:1: 'version: 1' is required"},
        {"version: 1\ncolour: blue\n", "strata.yaml:2: strata.yaml: unknown key 'colour'"},
        {"version: 1\nversion: 1\n", "strata.yaml:2: strata.yaml: key 'version' is repeated"},
        {"version: 1\nroots:\n  - name: a\n", "strata.yaml:3: every root needs a 'dir'"},
        {"version: 1\nroots:\n  - name: a\n    dir: a\n    auto_plan: maybe\n",
         "strata.yaml:5: root on line 3: 'auto_plan' must be true or false"},
        {"version: 1\nroots:\n  - name: a\n    dir: a\n    apply: {timeout: soon}\n",
         "strata.yaml:5: apply.timeout 'soon' is not a duration (45m, 2h, 90s)"},
        {"version: 1\nroots:\n  - name: a\n    dir: a\n    review: {required: sometimes}\n",
         "strata.yaml:3: root 'a': review.required must be auto, always or never"},
        {"version: 1\nroots:\n  - name: 'bad name'\n    dir: a\n",
         "strata.yaml:3: root name 'bad name' must start with a letter or digit and hold only "
         "letters, digits and . _ / @ : + -"},
        {"version: 1\nroots:\n  - name: a\n    dir: a\n    terraform_version: '~> 1.5'\n",
         "strata.yaml:3: root 'a': terraform_version '~> 1.5' must be an exact version such as "
         "1.7.5"},
        {"version: 1\nroots: {a: b}\n", "strata.yaml:2: 'roots' must be a list"},
        {"version: 1\nroots:\n  - [a, b]\n", "strata.yaml:3: root on line 3 must be a mapping"},
    };
    for (const auto& c : cases) EXPECT_EQ(only_error(parse_strata_yaml(c.yaml)), c.error) << c.yaml;
}

TEST(PlannerStrataYaml, SyntaxErrorsAndEmptyFilesAreErrorsToo) {
    auto broken = parse_strata_yaml("version: 1\nroots:\n  - name: [unclosed\n");
    ASSERT_EQ(broken.errors.size(), 1u);
    EXPECT_TRUE(broken.errors[0].message.starts_with("not valid YAML")) << broken.errors[0].message;
    EXPECT_GT(broken.errors[0].line, 0);
    EXPECT_EQ(only_error(parse_strata_yaml("")),
              "strata.yaml:1: the file is empty; it needs at least 'version: 1'");
    EXPECT_FALSE(parse_strata_yaml("just a string").ok());
}

TEST(PlannerStrataYaml, DependencyCyclesAreNamedWithTheirPath) {
    auto p = parse_strata_yaml(R"(version: 1
roots:
  - {name: a, dir: a, depends_on: [c]}
  - {name: b, dir: b, depends_on: [a]}
  - {name: c, dir: c, depends_on: [b]}
  - {name: d, dir: d, depends_on: [a]}
)");
    EXPECT_EQ(only_error(p), "strata.yaml:3: dependency cycle: a -> c -> b -> a");
}

TEST(PlannerStrataYaml, ALongDependencyChainIsNoCycleAndNoStackOverflow) {
    std::string yaml = "version: 1\nroots:\n  - {name: r0, dir: r0}\n";
    for (int i = 1; i < 20'000; ++i)
        yaml += "  - {name: r" + std::to_string(i) + ", dir: r" + std::to_string(i) +
                ", depends_on: [r" + std::to_string(i - 1) + "]}\n";
    auto p = parse_strata_yaml(yaml);
    EXPECT_TRUE(p.ok()) << describe(p.errors);
    EXPECT_EQ(p.config.roots.size(), 20'000u);
}

// ---- atlantis.yaml -----------------------------------------------------------------------------

TEST(PlannerAtlantisYaml, ReadsProjectsAsAtlantisDocumentsThem) {
    auto p = parse_atlantis_yaml(R"(version: 3
automerge: true
delete_source_branch_on_merge: true
parallel_plan: true
parallel_apply: false
projects:
- name: billing-staging
  dir: services/billing/staging
  workspace: staging
  terraform_version: v1.6.2
  execution_order_group: 2
  depends_on: [shared-network]
  autoplan:
    when_modified: ["*.tf", "../modules/**/*.tf", ".terraform.lock.hcl"]
    enabled: true
  apply_requirements: [mergeable, approved]
  workflow: billing
- name: shared-network
  dir: shared/network
  execution_order_group: 1
- dir: services/search
  autoplan:
    enabled: false
- dir: services/search
  workspace: canary
workflows:
  billing:
    plan:
      steps: [init, plan]
)");
    ASSERT_TRUE(p.ok()) << describe(p.errors);
    EXPECT_EQ(p.config.source, RepoConfig::Source::Atlantis);
    EXPECT_FALSE(p.config.depends_on_triggers);
    EXPECT_FALSE(p.config.discover);
    ASSERT_EQ(p.config.roots.size(), 4u);
    const auto& billing = root(p, "billing-staging");
    EXPECT_EQ(billing.dir, "services/billing/staging");
    EXPECT_EQ(billing.workspace, "staging");
    EXPECT_EQ(billing.terraform_version, "v1.6.2");
    EXPECT_EQ(billing.execution_order_group, 2);
    EXPECT_EQ(billing.depends_on, (std::vector<std::string>{"shared-network"}));
    EXPECT_EQ(billing.when_modified.size(), 3u);
    EXPECT_EQ(billing.review.required, "always");
    EXPECT_EQ(root(p, "shared-network").execution_order_group, 1);
    EXPECT_FALSE(root(p, "services/search").auto_plan);
    EXPECT_EQ(root(p, "services/search:canary").workspace, "canary");
}

TEST(PlannerAtlantisYaml, AutodiscoverDecidesWhetherUnlistedRootsAreFound) {
    EXPECT_TRUE(parse_atlantis_yaml("version: 3\n").config.discover);
    EXPECT_FALSE(parse_atlantis_yaml("version: 3\nprojects:\n- dir: a\n").config.discover);
    auto enabled = parse_atlantis_yaml(
        "version: 3\nautodiscover:\n  mode: enabled\n  ignore_paths: [legacy/**]\n"
        "projects:\n- dir: a\n");
    ASSERT_TRUE(enabled.ok()) << describe(enabled.errors);
    EXPECT_TRUE(enabled.config.discover);
    EXPECT_EQ(enabled.config.discovery_ignore, (std::vector<std::string>{"legacy/**"}));
    EXPECT_FALSE(
        parse_atlantis_yaml("version: 3\nautodiscover: {mode: disabled}\n").config.discover);
}

TEST(PlannerAtlantisYaml, ReportsEachProblemWithItsLine) {
    struct Case {
        const char* yaml;
        const char* error;
    };
    const Case cases[] = {
        {"version: 2\n", "atlantis.yaml:1: version 2 is not supported (Strata reads version 3)"},
        {"version: 3\nprojects:\n- dir: a\n  autoplan:\n    when_modifed: ['*.tf']\n",
         "atlantis.yaml:5: autoplan: unknown key 'when_modifed'"},
        {"version: 3\nprojects:\n- dir: a\n- dir: a\n",
         "atlantis.yaml:4: duplicate root name 'a' (first on line 3)"},
        {"version: 3\nprojects:\n- name: x\n  dir: ../x\n",
         "atlantis.yaml:4: root 'x': dir '../x' escapes the repository"},
        {"version: 3\nprojects:\n- name: x\n  dir: x\n  depends_on: [y]\n",
         "atlantis.yaml:5: root 'x' depends on unknown root 'y'"},
        {"version: 3\nprojects:\n- name: x\n  dir: x\n  execution_order_group: first\n",
         "atlantis.yaml:5: project on line 3: 'execution_order_group' must be an integer"},
        {"version: 3\nautodiscover: {mode: sometimes}\n",
         "atlantis.yaml:2: autodiscover.mode must be auto, enabled or disabled"},
        {"version: 3\nprojects:\n- workspace: x\n", "atlantis.yaml:3: every project needs a 'dir'"},
        {"version: 3\nprojects:\n- {name: a, dir: a, depends_on: [b]}\n"
         "- {name: b, dir: b, depends_on: [a]}\n",
         "atlantis.yaml:3: dependency cycle: a -> b -> a"},
    };
    for (const auto& c : cases)
        EXPECT_EQ(only_error(parse_atlantis_yaml(c.yaml)), c.error) << c.yaml;
}

}  // namespace
}  // namespace strata::planner

// ---- what deploy.requested carries of a root's review and apply settings ----
#include "repo_work.hpp"

namespace strata::planner {
namespace {

TEST(PlannerRepoSettings, DeployRequestedCarriesTheRootsReviewAndApplySettings) {
    auto parsed = parse_strata_yaml(R"(version: 1
roots:
  - name: app
    dir: app
    review:
      required: always
      reviewers: [alice, acme/sre]
    apply:
      enabled: false
      timeout: 45m
  - name: net
    dir: net
)");
    ASSERT_TRUE(parsed.ok()) << describe(parsed.errors);
    DeployRequested app, net;
    add_repo_settings(app, parsed.config.roots[0]);
    add_repo_settings(net, parsed.config.roots[1]);
    EXPECT_EQ(app.review_required, "always");
    EXPECT_EQ(app.reviewers, (std::vector<std::string>{"alice", "acme/sre"}));
    EXPECT_FALSE(app.apply_enabled);
    EXPECT_EQ(app.apply_timeout, "45m");
    EXPECT_EQ(net.review_required, "auto");
    EXPECT_TRUE(net.reviewers.empty());
    EXPECT_TRUE(net.apply_enabled);
    EXPECT_EQ(net.apply_timeout, "");
}

TEST(PlannerRepoSettings, AtlantisApprovedApplyRequirementIsReviewAlways) {
    auto parsed = parse_atlantis_yaml(R"(version: 3
projects:
- name: billing
  dir: billing
  apply_requirements: [approved]
)");
    ASSERT_TRUE(parsed.ok()) << describe(parsed.errors);
    DeployRequested r;
    add_repo_settings(r, parsed.config.roots[0]);
    EXPECT_EQ(r.review_required, "always");
}

}  // namespace
}  // namespace strata::planner
