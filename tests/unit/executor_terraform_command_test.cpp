// How the executor runs terraform: the binary a root's terraform_version selects, and the
// environment (nothing inherited, automation settings that cannot be overridden).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "terraform_command.hpp"

namespace strata::executor {
namespace {

namespace fs = std::filesystem;

class VersionsDir : public ::testing::Test {
protected:
    void SetUp() override {
        std::string t = ::testing::TempDir() + "strata-versions-XXXXXX";
        ASSERT_NE(mkdtemp(t.data()), nullptr);
        dir = t;
        for (const char* name : {"terraform1.5.7", "tofu1.8.0"}) {
            std::ofstream(dir / name) << "#!/bin/sh\n";
            fs::permissions(dir / name, fs::perms::owner_all);
        }
        std::ofstream(dir / "terraform1.4.0") << "not executable\n";
        settings.versions_dir = dir.string();
    }
    void TearDown() override { fs::remove_all(dir); }

    fs::path dir;
    TerraformSettings settings;
};

TEST_F(VersionsDir, RootWithoutAVersionRunsTheConfiguredBinary) {
    settings.binary = "/opt/terraform/bin/terraform";
    EXPECT_EQ(*select_terraform_binary(settings, ""), "/opt/terraform/bin/terraform");
}

TEST_F(VersionsDir, RequestedVersionRunsItsOwnBinary) {
    EXPECT_EQ(*select_terraform_binary(settings, "1.5.7"), (dir / "terraform1.5.7").string());
    EXPECT_EQ(*select_terraform_binary(settings, "v1.5.7"), (dir / "terraform1.5.7").string());
}

TEST_F(VersionsDir, OpenTofuIsChosenTheSameWay) {
    settings.binary = "tofu";
    EXPECT_EQ(*select_terraform_binary(settings, "1.8.0"), (dir / "tofu1.8.0").string());
}

TEST_F(VersionsDir, VersionThatIsNotInstalledIsAnErrorNotAnotherVersion) {
    auto missing = select_terraform_binary(settings, "1.9.9");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("terraform 1.9.9 is not installed"), std::string::npos);
    EXPECT_FALSE(select_terraform_binary(settings, "1.4.0").ok()) << "not executable";
}

TEST_F(VersionsDir, ConstraintsAndPathsAreRefused) {
    for (const char* v : {"~> 1.5", ">= 1.0", "../../bin/sh", "1.5.7/../x", "latest"})
        EXPECT_FALSE(select_terraform_binary(settings, v).ok()) << v;
}

TEST(TerraformBinary, WithoutAVersionsDirEveryRootRunsTheConfiguredBinary) {
    TerraformSettings s;
    s.binary = "terraform";
    EXPECT_EQ(*select_terraform_binary(s, "1.5.7"), "terraform");
}

TEST(TerraformEnvironment, HoldsOnlyWhatTerraformIsGivenWithAutomationSettings) {
    TerraformSettings s;
    s.search_path = "/usr/bin:/bin";
    s.extra_env = {"FOO=bar"};
    auto env = terraform_environment(s, "/work/x/home", "default", {{"TF_VAR_token", "t0ken"}});
    std::vector<std::string> expected = {"PATH=/usr/bin:/bin", "HOME=/work/x/home",  "FOO=bar",
                                         "TF_VAR_token=t0ken", "TF_IN_AUTOMATION=1", "TF_INPUT=0"};
    EXPECT_EQ(env, expected);
}

TEST(TerraformEnvironment, WorkspaceAndPluginCacheAreSetWhenConfigured) {
    TerraformSettings s;
    s.plugin_cache_dir = "/var/cache/tf";
    auto env = terraform_environment(s, "/h", "staging", {});
    EXPECT_NE(std::find(env.begin(), env.end(), "TF_WORKSPACE=staging"), env.end());
    EXPECT_NE(std::find(env.begin(), env.end(), "TF_PLUGIN_CACHE_DIR=/var/cache/tf"), env.end());
}

TEST(TerraformEnvironment, RootVariablesCannotTurnAutomationOff) {
    TerraformSettings s;
    auto env = terraform_environment(s, "/h", "default",
                                     {{"TF_INPUT", "1"}, {"TF_IN_AUTOMATION", ""}, {"PATH", "/x"}});
    EXPECT_NE(std::find(env.begin(), env.end(), "TF_INPUT=0"), env.end());
    EXPECT_NE(std::find(env.begin(), env.end(), "TF_IN_AUTOMATION=1"), env.end());
    EXPECT_EQ(std::find(env.begin(), env.end(), "TF_INPUT=1"), env.end());
    EXPECT_NE(std::find(env.begin(), env.end(), "PATH=/x"), env.end()) << "a root may set PATH";
}

TEST(TerraformSteps, PlanUsesDetailedExitCodesAndSavesThePlanThatApplyTakes) {
    EXPECT_EQ(init_args(), (std::vector<std::string>{"init", "-input=false", "-no-color"}));
    EXPECT_EQ(plan_args("/w/p.tfplan"),
              (std::vector<std::string>{"plan", "-input=false", "-no-color", "-detailed-exitcode",
                                        "-out=/w/p.tfplan"}));
    EXPECT_EQ(show_args("/w/p.tfplan"),
              (std::vector<std::string>{"show", "-json", "-no-color", "/w/p.tfplan"}));
    EXPECT_EQ(apply_args("/w/p.tfplan"),
              (std::vector<std::string>{"apply", "-input=false", "-no-color", "/w/p.tfplan"}));
}

}  // namespace
}  // namespace strata::executor
