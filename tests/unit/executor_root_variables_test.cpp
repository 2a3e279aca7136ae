// A root's variables reach terraform from env files the operator maps to root globs.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "root_variables.hpp"

namespace strata::executor {
namespace {

namespace fs = std::filesystem;

TEST(EnvFile, NameValueLinesWithCommentsExportAndQuotes) {
    auto vars = parse_env_file(
        "# cloud credentials\n\nexport AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nTF_VAR_a = \"x y\"\n"
        "TF_VAR_b='q'\nEMPTY=\nEQUALS=a=b\n",
        "f.env");
    ASSERT_TRUE(vars.ok()) << vars.error().message;
    Variables expected = {{"AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"},
                          {"TF_VAR_a", "x y"},
                          {"TF_VAR_b", "q"},
                          {"EMPTY", ""},
                          {"EQUALS", "a=b"}};
    EXPECT_EQ(*vars, expected);
}

TEST(EnvFile, ALineThatIsNotAnAssignmentNamesItsLine) {
    auto vars = parse_env_file("A=1\nthis is wrong\n", "prod.env");
    ASSERT_FALSE(vars.ok());
    EXPECT_EQ(vars.error().message, "prod.env line 2: expected NAME=value");
    EXPECT_FALSE(parse_env_file("1A=x\n", "f").ok());
    EXPECT_FALSE(parse_env_file("A-B=x\n", "f").ok());
}

class Mapping : public ::testing::Test {
protected:
    void SetUp() override {
        std::string t = ::testing::TempDir() + "strata-rootvars-XXXXXX";
        ASSERT_NE(mkdtemp(t.data()), nullptr);
        dir = t;
        fs::create_directories(dir / "env");
        std::ofstream(dir / "env" / "common.env") << "REGION=eu-west-1\nTOKEN=common\n";
        std::ofstream(dir / "env" / "network.env") << "TOKEN=network-secret\n";
        std::ofstream(dir / "mapping")
            << "# root glob   env file\nacme/*||**   env/common.env\n"
               "acme/infra||network   env/network.env\nother/*||*  /nonexistent.env\n";
    }
    void TearDown() override { fs::remove_all(dir); }
    std::string mapping() const { return (dir / "mapping").string(); }
    fs::path dir;
};

TEST_F(Mapping, EveryMatchingLineAppliesInOrderAndLaterNamesWin) {
    auto vars = load_root_variables(mapping(), "acme/infra||network");
    ASSERT_TRUE(vars.ok()) << vars.error().message;
    Variables expected = {
        {"REGION", "eu-west-1"}, {"TOKEN", "common"}, {"TOKEN", "network-secret"}};
    EXPECT_EQ(*vars, expected);
}

TEST_F(Mapping, RootsThatMatchNothingGetNoVariables) {
    auto vars = load_root_variables(mapping(), "zeta/infra||app");
    ASSERT_TRUE(vars.ok());
    EXPECT_TRUE(vars->empty());
    EXPECT_TRUE(load_root_variables("", "acme/infra||app")->empty());
}

TEST_F(Mapping, MissingEnvFileIsAnErrorNamingTheMappingLine) {
    auto vars = load_root_variables(mapping(), "other/infra||app");
    ASSERT_FALSE(vars.ok());
    EXPECT_NE(vars.error().message.find("mapping line 4"), std::string::npos)
        << vars.error().message;
    EXPECT_NE(vars.error().message.find("/nonexistent.env"), std::string::npos);
}

}  // namespace
}  // namespace strata::executor
