// Revision order of a deploy against the root's last attempted revision, from the mirror's
// commit graph: ahead, behind, identical, diverged, or none without a last revision.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "job_checkout.hpp"

namespace strata::executor {
namespace {

namespace fs = std::filesystem;

std::string sh(const std::string& cmd) {
    std::string out;
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    char buf[512];
    while (auto n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    EXPECT_EQ(pclose(p), 0) << cmd << ": " << out;
    return out.substr(0, out.find('\n'));
}

class RevisionOrder : public ::testing::Test {
protected:
    void SetUp() override {
        std::string t = ::testing::TempDir() + "strata-order-XXXXXX";
        ASSERT_NE(mkdtemp(t.data()), nullptr);
        dir = t;
        git = "git -C " + dir + "/repo -c user.name=t -c user.email=t@e ";
        fs::create_directories(dir + "/repo");
        sh(git + "init -q -b main");
        base = commit("base");
        a1 = commit("a1");
        a2 = commit("a2");
        sh(git + "checkout -q -b side " + base);
        b1 = commit("b1");
        sh(git + "checkout -q main");
        auto opened = GitMirror::open(dir + "/cache", "acme/infra", "file://" + dir + "/repo");
        ASSERT_TRUE(opened.ok());
        mirror.emplace(std::move(*opened));
        ASSERT_TRUE(mirror->fetch().ok());
    }
    void TearDown() override { fs::remove_all(dir); }

    std::string commit(const std::string& name) {
        std::ofstream(dir + "/repo/" + name) << name;
        sh(git + "add -A");
        sh(git + "commit -q -m " + name);
        return sh(git + "rev-parse HEAD");
    }

    std::string dir, git, base, a1, a2, b1;
    std::optional<GitMirror> mirror;
};

TEST_F(RevisionOrder, NoLastRevisionIsNone) {
    EXPECT_EQ(revision_order(*mirror, a2, ""), "none");
    EXPECT_EQ(revision_order(*mirror, a2, std::string(40, '0')), "none");
}

TEST_F(RevisionOrder, SameCommitIsIdentical) {
    EXPECT_EQ(revision_order(*mirror, a1, a1), "identical");
}

TEST_F(RevisionOrder, DescendantOfTheLastIsAhead) {
    EXPECT_EQ(revision_order(*mirror, a2, base), "ahead");
    EXPECT_EQ(revision_order(*mirror, a2, a1), "ahead");
}

TEST_F(RevisionOrder, AncestorOfTheLastIsBehind) {
    EXPECT_EQ(revision_order(*mirror, a1, a2), "behind");
}

TEST_F(RevisionOrder, SeparateBranchesHaveDiverged) {
    EXPECT_EQ(revision_order(*mirror, b1, a2), "diverged");
    EXPECT_EQ(revision_order(*mirror, a2, b1), "diverged");
}

TEST_F(RevisionOrder, LastRevisionUnknownToTheMirrorCountsAsDiverged) {
    EXPECT_EQ(revision_order(*mirror, a2, std::string(40, 'f')), "diverged");
}

}  // namespace
}  // namespace strata::executor
