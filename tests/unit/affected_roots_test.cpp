// The planner's pure path helpers: which files are Terraform files, which directories are modules
// and how a root is named.
#include <gtest/gtest.h>

#include <string>

#include "affected_roots.hpp"

namespace strata::planner {
namespace {

TEST(AffectedRoots, ParentDirIsEverythingBeforeTheLastSlash) {
    EXPECT_EQ(parent_dir("a/b/c.tf"), "a/b");
    EXPECT_EQ(parent_dir("envs/prod/network/main.tf"), "envs/prod/network");
    EXPECT_EQ(parent_dir("a/c.tf"), "a");
}

TEST(AffectedRoots, ParentDirOfATopLevelFileIsEmpty) {
    EXPECT_EQ(parent_dir("c.tf"), "");
    EXPECT_EQ(parent_dir(""), "");
}

TEST(AffectedRoots, DirectoriesUnderAModulesDirectoryAreModules) {
    EXPECT_TRUE(is_under_modules("modules"));
    EXPECT_TRUE(is_under_modules("modules/vpc"));
    EXPECT_TRUE(is_under_modules("envs/modules/vpc"));
    EXPECT_TRUE(is_under_modules("envs/prod/modules"));
}

TEST(AffectedRoots, DirectoriesMerelyNamedLikeModulesAreNotModules) {
    EXPECT_FALSE(is_under_modules(""));
    EXPECT_FALSE(is_under_modules("envs/prod/network"));
    EXPECT_FALSE(is_under_modules("mymodules/vpc"));
    EXPECT_FALSE(is_under_modules("modules-legacy/vpc"));
    EXPECT_FALSE(is_under_modules("envs/submodules"));
    EXPECT_FALSE(is_under_modules("module/vpc"));
}

TEST(AffectedRoots, TerraformFilesAreTfTfvarsAndHcl) {
    EXPECT_TRUE(is_terraform_file("main.tf"));
    EXPECT_TRUE(is_terraform_file("prod.tfvars"));
    EXPECT_TRUE(is_terraform_file("terragrunt.hcl"));
    EXPECT_TRUE(is_terraform_file(".terraform.lock.hcl"));
}

TEST(AffectedRoots, OtherFilesAreNotTerraformFiles) {
    EXPECT_FALSE(is_terraform_file("README.md"));
    EXPECT_FALSE(is_terraform_file("terraform.tfstate"));
    EXPECT_FALSE(is_terraform_file("main.tf.bak"));
    EXPECT_FALSE(is_terraform_file("tf"));
    EXPECT_FALSE(is_terraform_file(""));
    EXPECT_FALSE(is_terraform_file("notes.txt"));
}

TEST(AffectedRoots, RootNameIsTheDirectoryOrDotForTheRepositoryRoot) {
    EXPECT_EQ(root_name(""), ".");
    EXPECT_EQ(root_name("envs/prod/network"), "envs/prod/network");
    EXPECT_EQ(root_name("network"), "network");
}

}  // namespace
}  // namespace strata::planner
