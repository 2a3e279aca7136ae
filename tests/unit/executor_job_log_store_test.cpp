// The durable job log store (a directory by default): one object per job, read back per
// deployment in the order the jobs were stored.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "strata/job_log_store.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;

class DirectoryStore : public ::testing::Test {
protected:
    void SetUp() override {
        std::string t = ::testing::TempDir() + "strata-logstore-XXXXXX";
        ASSERT_NE(mkdtemp(t.data()), nullptr);
        dir = t;
        store = make_directory_log_store(dir);
    }
    void TearDown() override { fs::remove_all(dir); }
    std::string dir;
    std::unique_ptr<JobLogStore> store;
};

TEST_F(DirectoryStore, JobsOfADeploymentReadBackInTheOrderTheyWereStored) {
    ASSERT_TRUE(store->put("dep-1", "dep-1:2", "plan\n").ok());
    ASSERT_TRUE(store->put("dep-1", "dep-1:2:apply", "apply\n").ok());
    ASSERT_TRUE(store->put("dep-2", "dep-2:1", "other\n").ok());
    auto logs = store->get("dep-1");
    ASSERT_TRUE(logs.ok());
    ASSERT_EQ(logs->size(), 2u);
    EXPECT_EQ((*logs)[0].job_id, "dep-1:2");
    EXPECT_EQ((*logs)[0].text, "plan\n");
    EXPECT_EQ((*logs)[1].job_id, "dep-1:2:apply");
}

TEST_F(DirectoryStore, StoringAJobAgainReplacesItInPlace) {
    ASSERT_TRUE(store->put("dep-1", "dep-1:1", "partial\n").ok());
    ASSERT_TRUE(store->put("dep-1", "dep-1:1:apply", "apply\n").ok());
    ASSERT_TRUE(store->put("dep-1", "dep-1:1", "whole\n").ok());
    auto logs = store->get("dep-1");
    ASSERT_EQ(logs->size(), 2u);
    EXPECT_EQ((*logs)[0].text, "whole\n");
    EXPECT_EQ((*logs)[1].job_id, "dep-1:1:apply");
}

TEST_F(DirectoryStore, UnknownDeploymentHasNoLogs) {
    auto logs = store->get("nothing-here");
    ASSERT_TRUE(logs.ok());
    EXPECT_TRUE(logs->empty());
}

TEST_F(DirectoryStore, IdsThatCouldEscapeTheDirectoryAreRefused) {
    EXPECT_FALSE(store->put("../x", "j", "t").ok());
    EXPECT_FALSE(store->put("d", "../../j", "t").ok());
    EXPECT_FALSE(store->get("..").ok());
    EXPECT_TRUE(fs::is_empty(dir));
}

}  // namespace
}  // namespace strata
