// What the planner adds to GitMirror and MirrorCache, on real repositories built with git:
// tree entries and blobs, commit resolution and ancestry, the remote's default branch, extra
// refspecs (pull request heads), fetches shared by concurrent callers, a mirror damaged after
// it was opened, and the tree walk on Git's ordering corner cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "planner_repo.hpp"
#include "strata/git.hpp"

namespace strata::planner {
namespace {

namespace fs = std::filesystem;
using testing::explode_packs;
using testing::shell;
using testing::TempDir;
using testing::Upstream;

void write_head(const std::string& mirror, const std::string& ref, const std::string& sha) {
    std::ofstream(mirror + "/" + ref, std::ios::trunc) << sha << "\n";
}

class PlannerMirrorTest : public ::testing::Test {
protected:
    GitMirror fetched() {
        auto mirror = GitMirror::open(cache, "acme/infra", upstream.url());
        EXPECT_TRUE(mirror.ok()) << mirror.error().message;
        auto f = mirror->fetch();
        EXPECT_TRUE(f.ok()) << f.error().message;
        return std::move(*mirror);
    }

    TempDir tmp{"strata-planner-mirror"};
    std::string cache = tmp.path() + "/cache";
    Upstream upstream{tmp.path() + "/upstream"};
};

TEST_F(PlannerMirrorTest, EntriesGiveNamesIdsAndKinds) {
    std::string c = upstream.write("app/main.tf", "x")
                        .write("app/run.sh", "#!/bin/sh\n")
                        .symlink("main.tf", "app/link.tf")
                        .write("app/sub/a.tf", "a")
                        .commit();
    fs::permissions(upstream.dir() + "/app/run.sh", fs::perms::owner_exec, fs::perm_options::add);
    c = upstream.commit();
    auto mirror = fetched();
    auto entries = mirror.entries(c, "app");
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    std::vector<std::pair<std::string, TreeEntry::Kind>> got;
    for (const auto& e : *entries) got.emplace_back(e.name, e.kind);
    EXPECT_EQ(got, (std::vector<std::pair<std::string, TreeEntry::Kind>>{
                       {"link.tf", TreeEntry::Kind::Symlink},
                       {"main.tf", TreeEntry::Kind::File},
                       {"run.sh", TreeEntry::Kind::Executable},
                       {"sub", TreeEntry::Kind::Directory}}));
    auto main_tf = std::find_if(entries->begin(), entries->end(),
                                [](const TreeEntry& e) { return e.name == "main.tf"; });
    EXPECT_EQ(main_tf->id, upstream.git("rev-parse " + c + ":app/main.tf"));
    EXPECT_EQ(*mirror.read_blob(main_tf->id), "x");
    EXPECT_EQ(*mirror.read_blob((*entries)[0].id), "main.tf");  // a symlink's blob: its target
    // The same directory read by its tree id, as a walk of the whole revision reads it.
    auto top = mirror.entries(c, "");
    ASSERT_TRUE(top.ok());
    auto by_id = mirror.tree_entries(top->front().id);  // "app"
    ASSERT_TRUE(by_id.ok()) << by_id.error().message;
    ASSERT_EQ(by_id->size(), entries->size());
    for (std::size_t i = 0; i < by_id->size(); ++i) {
        EXPECT_EQ((*by_id)[i].name, (*entries)[i].name);
        EXPECT_EQ((*by_id)[i].id, (*entries)[i].id);
        EXPECT_EQ((*by_id)[i].kind, (*entries)[i].kind);
    }
    EXPECT_FALSE(mirror.tree_entries(main_tf->id).ok());  // a blob is no tree
    EXPECT_FALSE(mirror.tree_entries(std::string(40, 'a')).ok());
    EXPECT_TRUE(mirror.entries(c, "nope")->empty());
    EXPECT_TRUE(mirror.entries(c, "app/main.tf")->empty());
    EXPECT_FALSE(mirror.read_blob(std::string(40, 'a')).ok());
    EXPECT_FALSE(mirror.read_blob("zz").ok());
}

TEST_F(PlannerMirrorTest, ResolveMergeBaseAncestryAndParents) {
    std::string a = upstream.write("f", "1").commit();
    std::string b = upstream.write("f", "2").commit();
    upstream.git("checkout -q -b feature");
    std::string c = upstream.write("g", "3").commit();
    upstream.git("checkout -q main");
    std::string d = upstream.write("f", "4").commit();
    auto mirror = fetched();

    EXPECT_EQ(*mirror.resolve("main"), d);
    EXPECT_EQ(*mirror.resolve("refs/heads/feature"), c);
    EXPECT_EQ(*mirror.resolve(b), b);
    EXPECT_FALSE(mirror.resolve("refs/heads/nope").ok());
    EXPECT_FALSE(mirror.resolve("").ok());
    EXPECT_EQ(*mirror.merge_base(c, d), b);
    EXPECT_EQ(*mirror.merge_base("refs/heads/main", "refs/heads/feature"), b);
    EXPECT_TRUE(mirror.is_ancestor(a, d));
    EXPECT_TRUE(mirror.is_ancestor(d, d));
    EXPECT_FALSE(mirror.is_ancestor(d, a));
    EXPECT_FALSE(mirror.is_ancestor(c, "refs/heads/main"));
    EXPECT_TRUE(mirror.is_ancestor(b, "refs/heads/main"));
    EXPECT_FALSE(mirror.is_ancestor(std::string(40, 'e'), d));
    EXPECT_EQ(*mirror.first_parent(d), b);
    EXPECT_EQ(*mirror.first_parent(a), "");
}

TEST_F(PlannerMirrorTest, MergeBaseOfUnrelatedHistoriesIsAnError) {
    std::string a = upstream.write("f", "1").commit();
    upstream.git("checkout -q --orphan other");
    std::string b = upstream.write("g", "2").commit();
    upstream.git("checkout -q main");
    auto mirror = fetched();
    EXPECT_FALSE(mirror.merge_base(a, b).ok());
}

TEST_F(PlannerMirrorTest, FetchLearnsTheRemotesDefaultBranchAndKeepsItAcrossReopening) {
    upstream.write("f", "1").commit();
    upstream.git("branch -q -m main trunk");
    upstream.git("checkout -q -b feature");
    upstream.git("checkout -q trunk");
    {
        auto mirror = GitMirror::open(cache, "acme/infra", upstream.url());
        ASSERT_TRUE(mirror.ok());
        EXPECT_EQ(mirror->default_branch(), "");
        ASSERT_TRUE(mirror->fetch().ok());
        EXPECT_EQ(mirror->default_branch(), "trunk");
    }
    auto reopened = GitMirror::open(cache, "acme/infra", upstream.url());
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ(reopened->default_branch(), "trunk");
}

TEST_F(PlannerMirrorTest, ExtraRefspecsFetchPullRequestHeadsAndSkipMissingOnes) {
    upstream.write("f", "1").commit();
    upstream.git("checkout -q -b fork");
    std::string head = upstream.write("g", "2").commit();
    upstream.git("checkout -q main");
    upstream.git("update-ref refs/pull/7/head " + head);
    upstream.git("branch -q -D fork");  // only refs/pull/7/head reaches it now
    auto mirror = GitMirror::open(cache, "acme/infra", upstream.url());
    ASSERT_TRUE(mirror.ok());
    auto fetched = mirror->fetch(
        "", {"+refs/pull/7/head:refs/pull/7/head", "+refs/pull/8/head:refs/pull/8/head"});
    ASSERT_TRUE(fetched.ok()) << fetched.error().message;
    EXPECT_TRUE(mirror->has_commit(head));
    EXPECT_EQ(*mirror->resolve("refs/pull/7/head"), head);
    EXPECT_FALSE(mirror->resolve("refs/pull/8/head").ok());
    // A later fetch of the branches alone leaves the pull request ref alone.
    ASSERT_TRUE(mirror->fetch().ok());
    EXPECT_EQ(*mirror->resolve("refs/pull/7/head"), head);
}

TEST_F(PlannerMirrorTest, ChangedPathsFollowGitsOrderWhereNamesShareAPrefix) {
    // Git sorts "a.b" (file) before "a/" (directory) and "a-b/" before "a/": a merge of the two
    // entry lists in plain name order would pair the wrong entries.
    std::string before = upstream.write("a.b", "1")
                             .write("a/x.tf", "1")
                             .write("a-b/y.tf", "1")
                             .write("a0", "1")
                             .commit();
    std::string after = upstream.write("a/x.tf", "2").remove("a.b").write("a-b/z.tf", "n").commit();
    auto mirror = fetched();
    auto changed = mirror.changed_paths(before, after);
    ASSERT_TRUE(changed.ok()) << changed.error().message;
    std::vector<std::pair<std::string, ChangedPath::Kind>> got;
    for (const auto& c : *changed) got.emplace_back(c.path, c.kind);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::pair<std::string, ChangedPath::Kind>>{
                       {"a-b/z.tf", ChangedPath::Kind::Added},
                       {"a.b", ChangedPath::Kind::Deleted},
                       {"a/x.tf", ChangedPath::Kind::Modified}}));
}

TEST_F(PlannerMirrorTest, ChangedPathsOfADamagedSubtreeIsAnErrorNotAShortList) {
    std::string before = upstream.write("roots/app/main.tf", "1").commit();
    std::string after =
        upstream.write("roots/app/main.tf", "2").write("roots/b/x.tf", "3").commit();
    auto mirror = fetched();
    // Loose copy of the objects, then remove the new `roots/b` tree.
    explode_packs(mirror.path(), tmp.path());
    std::string tree = upstream.git("rev-parse " + after + ":roots/b");
    std::error_code ignored;
    fs::remove(mirror.path() + "/objects/" + tree.substr(0, 2) + "/" + tree.substr(2), ignored);
    auto reopened = GitMirror::open(cache, "acme/infra", upstream.url());
    ASSERT_TRUE(reopened.ok());
    auto changed = reopened->changed_paths(before, after);
    EXPECT_FALSE(changed.ok());
}

// ---- MirrorCache::prepare ---------------------------------------------------------------------

TEST_F(PlannerMirrorTest, PrepareFetchesOnceForEverythingWanted) {
    std::string a = upstream.write("f", "1").commit();
    std::string b = upstream.write("f", "2").commit();
    MirrorCache mirrors(cache);
    bool ran = false;
    auto prepared =
        mirrors.prepare({"acme/infra", upstream.url(), "", {a, b}, {}, false},
                        [&](GitMirror& m) { ran = m.has_commit(a) && m.has_commit(b); });
    ASSERT_TRUE(prepared.ok()) << prepared.error().message;
    EXPECT_TRUE(ran);
    EXPECT_EQ(mirrors.fetch_count(), 1);
    // Present already: no fetch. Refresh: a fetch.
    ASSERT_TRUE(
        mirrors.prepare({"acme/infra", upstream.url(), "", {a}, {}, false}, [](GitMirror&) {})
            .ok());
    EXPECT_EQ(mirrors.fetch_count(), 1);
    ASSERT_TRUE(
        mirrors.prepare({"acme/infra", upstream.url(), "", {}, {}, true}, [](GitMirror&) {}).ok());
    EXPECT_EQ(mirrors.fetch_count(), 2);
}

TEST_F(PlannerMirrorTest, CallersQueuedBehindAFetchShareTheNextOne) {
    upstream.write("f", "1").commit();
    MirrorCache mirrors(cache);
    // The first caller holds the mirror while the others queue up behind it.
    std::atomic<bool> release{false};
    std::thread first([&] {
        auto r = mirrors.prepare({"acme/infra", upstream.url(), "", {}, {}, true}, [&](GitMirror&) {
            while (!release) std::this_thread::yield();
        });
        EXPECT_TRUE(r.ok());
    });
    EXPECT_TRUE(testing::spin_until([&] { return mirrors.fetch_count() >= 1; }));
    std::string later = upstream.write("f", "2").commit();  // pushed after the first fetch began
    std::vector<std::thread> others;
    for (int i = 0; i < 4; ++i)
        others.emplace_back([&] {
            bool present = false;
            auto r = mirrors.prepare({"acme/infra", upstream.url(), "", {later}, {}, false},
                                     [&](GitMirror& m) { present = m.has_commit(later); });
            EXPECT_TRUE(r.ok());
            EXPECT_TRUE(present);
        });
    EXPECT_TRUE(testing::spin_until([&] { return mirrors.waiting("acme/infra") == 4; }));
    release = true;
    first.join();
    for (auto& t : others) t.join();
    EXPECT_EQ(mirrors.fetch_count(), 2) << "the four queued callers should share one fetch";
}

TEST_F(PlannerMirrorTest, DifferentRepositoriesFetchInParallel) {
    upstream.write("f", "1").commit();
    MirrorCache mirrors(cache);
    std::atomic<bool> release{false};
    std::thread holder([&] {
        auto r = mirrors.prepare({"acme/one", upstream.url(), "", {}, {}, true}, [&](GitMirror&) {
            while (!release) std::this_thread::yield();
        });
        EXPECT_TRUE(r.ok());
    });
    EXPECT_TRUE(testing::spin_until([&] { return mirrors.fetch_count() >= 1; }));
    // acme/one is held; acme/two must not wait for it.
    auto other = mirrors.prepare({"acme/two", upstream.url(), "", {}, {}, true}, [](GitMirror&) {});
    EXPECT_TRUE(other.ok());
    release = true;
    holder.join();
}

TEST_F(PlannerMirrorTest, AFetchThatFailsOnADamagedMirrorRecreatesIt) {
    std::string a = upstream.write("f", "1").commit();
    MirrorCache mirrors(cache);
    std::string path;
    ASSERT_TRUE(mirrors
                    .prepare({"acme/infra", upstream.url(), "", {a}, {}, false},
                             [&](GitMirror& m) { path = m.path(); })
                    .ok());
    // The branch now names a commit whose objects are gone: the fetch's negotiation fails.
    fs::remove_all(path + "/objects");
    fs::create_directories(path + "/objects/pack");
    write_head(path, "refs/heads/main", std::string(40, '1'));
    std::string b = upstream.write("f", "2").commit();
    bool present = false;
    auto r = mirrors.prepare({"acme/infra", upstream.url(), "", {b}, {}, false},
                             [&](GitMirror& m) { present = m.has_commit(a) && m.has_commit(b); });
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(present);
    auto fsck = shell("git --git-dir='" + path + "' fsck --no-progress");
    EXPECT_EQ(fsck.first, 0) << fsck.second;
}

TEST_F(PlannerMirrorTest, AMirrorFoundDamagedInUseIsDiscardedAndFetchedAfresh) {
    std::string a =
        upstream.write("roots/app/main.tf", "1").write("roots/keep/main.tf", "K").commit();
    std::string kept = upstream.git("rev-parse " + a + ":roots/keep/main.tf");
    std::string path;
    {
        MirrorCache first(cache);
        ASSERT_TRUE(first
                        .prepare({"acme/infra", upstream.url(), "", {a}, {}, false},
                                 [&](GitMirror& m) { path = m.path(); })
                        .ok());
    }
    // While the daemon is down, one object is lost that no later fetch brings again (the file
    // does not change), and that opening the mirror does not look at.
    explode_packs(path, tmp.path());
    fs::remove(path + "/objects/" + kept.substr(0, 2) + "/" + kept.substr(2));
    std::string b = upstream.write("roots/app/main.tf", "2").commit();
    MirrorCache mirrors(cache);
    bool read = true;
    ASSERT_TRUE(mirrors
                    .prepare({"acme/infra", upstream.url(), "", {b}, {}, false},
                             [&](GitMirror& m) { read = m.read_blob(kept).ok(); })
                    .ok());
    EXPECT_FALSE(read) << "the lost object should not read";
    mirrors.discard("acme/infra");
    EXPECT_FALSE(fs::exists(path));
    ASSERT_TRUE(mirrors
                    .prepare({"acme/infra", upstream.url(), "", {b}, {}, false},
                             [&](GitMirror& m) { read = m.read_blob(kept).ok(); })
                    .ok());
    EXPECT_TRUE(read);
    auto fsck = shell("git --git-dir='" + path + "' fsck --no-progress");
    EXPECT_EQ(fsck.first, 0) << fsck.second;
}

}  // namespace
}  // namespace strata::planner
