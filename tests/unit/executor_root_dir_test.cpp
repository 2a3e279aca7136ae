// The executor resolves a root's directory inside the checkout and refuses any way out of it.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "job_runner.hpp"

namespace strata::executor {
namespace {

namespace fs = std::filesystem;

// A checkout in a fresh temporary directory: repo/ with envs/prod, and outside/ next to it.
class RootDirectoryTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = ::testing::TempDir() + "strata-root-dir-XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        ASSERT_NE(mkdtemp(buf.data()), nullptr);
        base = buf.data();
        checkout = base / "repo";
        fs::create_directories(checkout / "envs" / "prod");
        fs::create_directories(base / "outside");
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(base, ec);
    }

    fs::path base;
    fs::path checkout;
};

TEST_F(RootDirectoryTest, NormalDirectoryInsideTheCheckoutIsResolved) {
    auto dir = root_directory(checkout.string(), "envs/prod");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    EXPECT_EQ(fs::path(*dir), fs::canonical(checkout / "envs" / "prod"));
}

TEST_F(RootDirectoryTest, DotAndEmptyMeanTheCheckoutItself) {
    for (const char* d : {".", ""}) {
        auto dir = root_directory(checkout.string(), d);
        ASSERT_TRUE(dir.ok()) << "'" << d << "': " << dir.error().message;
        EXPECT_EQ(fs::path(*dir), fs::canonical(checkout)) << "'" << d << "'";
    }
}

TEST_F(RootDirectoryTest, DotDotThatStaysInsideIsAllowed) {
    auto dir = root_directory(checkout.string(), "envs/prod/../prod");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    EXPECT_EQ(fs::path(*dir), fs::canonical(checkout / "envs" / "prod"));
}

TEST_F(RootDirectoryTest, AbsolutePathIsRefused) {
    auto dir = root_directory(checkout.string(), (base / "outside").string());
    ASSERT_FALSE(dir.ok());
    EXPECT_NE(dir.error().message.find("is absolute"), std::string::npos) << dir.error().message;
    EXPECT_FALSE(root_directory(checkout.string(), "/etc").ok());
}

TEST_F(RootDirectoryTest, DotDotEscapingTheCheckoutIsRefused) {
    for (const char* d : {"..", "../outside", "envs/../../outside", "envs/prod/../../.."}) {
        auto dir = root_directory(checkout.string(), d);
        ASSERT_FALSE(dir.ok()) << d << " resolved to " << *dir;
        EXPECT_NE(dir.error().message.find("escapes the repository"), std::string::npos)
            << d << ": " << dir.error().message;
    }
}

TEST_F(RootDirectoryTest, SiblingWithACommonNamePrefixIsRefused) {
    fs::create_directories(base / "repo-evil");
    auto dir = root_directory(checkout.string(), "../repo-evil");
    ASSERT_FALSE(dir.ok()) << *dir;
}

TEST_F(RootDirectoryTest, SymlinkEscapingTheCheckoutIsRefused) {
    fs::create_directory_symlink(base / "outside", checkout / "escape");
    auto dir = root_directory(checkout.string(), "escape");
    ASSERT_FALSE(dir.ok()) << "resolved to " << *dir;
    EXPECT_NE(dir.error().message.find("escapes the repository"), std::string::npos)
        << dir.error().message;

    fs::create_directory_symlink("../../outside", checkout / "envs" / "relative-escape");
    EXPECT_FALSE(root_directory(checkout.string(), "envs/relative-escape").ok());
}

TEST_F(RootDirectoryTest, SymlinkStayingInsideTheCheckoutIsAllowed) {
    fs::create_directory_symlink("envs/prod", checkout / "prod-link");
    auto dir = root_directory(checkout.string(), "prod-link");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    EXPECT_EQ(fs::path(*dir), fs::canonical(checkout / "envs" / "prod"));
}

TEST_F(RootDirectoryTest, MissingDirectoryIsAnError) {
    auto dir = root_directory(checkout.string(), "envs/staging");
    ASSERT_FALSE(dir.ok());
    EXPECT_NE(dir.error().message.find("does not exist"), std::string::npos) << dir.error().message;
}

TEST_F(RootDirectoryTest, AFileIsNotARootDirectory) {
    { std::ofstream(checkout / "envs" / "main.tf") << "terraform {}\n"; }
    EXPECT_FALSE(root_directory(checkout.string(), "envs/main.tf").ok());
}

TEST_F(RootDirectoryTest, CheckoutGivenWithATrailingSlashStillWorks) {
    auto dir = root_directory(checkout.string() + "/", "envs/prod");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    EXPECT_EQ(fs::path(*dir), fs::canonical(checkout / "envs" / "prod"));
}

}  // namespace
}  // namespace strata::executor
