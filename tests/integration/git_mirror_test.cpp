// GitMirror and MirrorCache against real repositories built with the git CLI in a temporary
// directory and fetched over file:// URLs.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "strata/git.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;

// Runs a shell command; returns its exit code and stdout (trailing newline trimmed).
std::pair<int, std::string> shell(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return {-1, ""};
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    int status = ::pclose(pipe);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string make_temp_dir(const std::string& prefix) {
    std::string templ = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp " + templ);
    return templ;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

// A working repository with a `main` branch that tests commit to; its URL is file://<dir>.
class Upstream {
public:
    explicit Upstream(std::string dir) : dir_(std::move(dir)) {
        fs::create_directories(dir_);
        git("init -q -b main .");
    }

    std::string url() const { return "file://" + dir_; }
    const std::string& dir() const { return dir_; }

    Upstream& write(const std::string& path, const std::string& content) {
        write_file(fs::path(dir_) / path, content);
        return *this;
    }
    Upstream& remove(const std::string& path) {
        fs::remove_all(fs::path(dir_) / path);
        return *this;
    }
    Upstream& move(const std::string& from, const std::string& to) {
        git("mv " + from + " " + to);
        return *this;
    }
    Upstream& make_executable(const std::string& path) {
        fs::permissions(fs::path(dir_) / path, fs::perms::owner_exec, fs::perm_options::add);
        return *this;
    }

    // Commits everything in the work tree; returns the new commit's sha.
    std::string commit(const std::string& message = "change") {
        git("add -A");
        git("commit -q --allow-empty -m '" + message + "'");
        return git("rev-parse HEAD");
    }

    std::string git(const std::string& args) {
        auto [rc, out] = shell("git -C '" + dir_ +
                               "' -c user.name=strata-test -c user.email=test@strata.invalid "
                               "-c commit.gpgsign=false -c init.defaultBranch=main " +
                               args);
        EXPECT_EQ(rc, 0) << "git " << args << ": " << out;
        return out;
    }

private:
    std::string dir_;
};

using Kind = ChangedPath::Kind;
using Change = std::pair<std::string, Kind>;

std::vector<Change> sorted(const std::vector<ChangedPath>& paths) {
    std::vector<Change> out;
    for (const auto& p : paths) out.emplace_back(p.path, p.kind);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> sorted(std::vector<std::string> names) {
    std::sort(names.begin(), names.end());
    return names;
}

class GitMirrorTest : public ::testing::Test {
protected:
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(root, ignored);
    }

    // Opens the mirror of the upstream and fetches it.
    GitMirror fetched_mirror() {
        auto mirror = GitMirror::open(cache, "acme/infra", upstream.url());
        EXPECT_TRUE(mirror.ok()) << mirror.error().message;
        auto fetched = mirror->fetch();
        EXPECT_TRUE(fetched.ok()) << fetched.error().message;
        return std::move(*mirror);
    }

    std::vector<Change> changes(const GitMirror& mirror, const std::string& from,
                                const std::string& to) {
        auto paths = mirror.changed_paths(from, to);
        EXPECT_TRUE(paths.ok()) << paths.error().message;
        return paths.ok() ? sorted(*paths) : std::vector<Change>{};
    }

    std::string root = make_temp_dir("strata-git-test");
    std::string cache = root + "/cache";
    Upstream upstream{root + "/upstream"};
};

TEST_F(GitMirrorTest, OpenCreatesABareMirrorAndFetchBringsTheUpstreamCommits) {
    std::string first = upstream.write("README.md", "hello\n").commit();

    auto mirror = GitMirror::open(cache, "acme/infra", upstream.url());
    ASSERT_TRUE(mirror.ok()) << mirror.error().message;
    EXPECT_TRUE(fs::path(mirror->path()).string().starts_with(cache));
    EXPECT_TRUE(fs::exists(fs::path(mirror->path()) / "HEAD"));
    EXPECT_FALSE(fs::exists(fs::path(mirror->path()) / ".git"));
    EXPECT_EQ(shell("git --git-dir='" + mirror->path() + "' rev-parse --is-bare-repository").second,
              "true");
    EXPECT_FALSE(mirror->has_commit(first));

    auto fetched = mirror->fetch();
    ASSERT_TRUE(fetched.ok()) << fetched.error().message;
    EXPECT_TRUE(mirror->has_commit(first));
    EXPECT_EQ(shell("git --git-dir='" + mirror->path() + "' rev-parse refs/heads/main").second,
              first);
}

TEST_F(GitMirrorTest, MirrorsOfDifferentRepositoriesLiveInDifferentDirectories) {
    upstream.write("a", "1").commit();
    auto one = GitMirror::open(cache, "acme/infra", upstream.url());
    auto two = GitMirror::open(cache, "acme/infra-two", upstream.url());
    auto three = GitMirror::open(cache, "other/infra", upstream.url());
    ASSERT_TRUE(one.ok() && two.ok() && three.ok());
    EXPECT_NE(one->path(), two->path());
    EXPECT_NE(one->path(), three->path());
    EXPECT_NE(two->path(), three->path());
}

TEST_F(GitMirrorTest, ReopeningAMirrorKeepsWhatItFetched) {
    std::string first = upstream.write("a", "1").commit();
    std::string path = fetched_mirror().path();

    auto reopened = GitMirror::open(cache, "acme/infra", upstream.url());
    ASSERT_TRUE(reopened.ok()) << reopened.error().message;
    EXPECT_EQ(reopened->path(), path);
    EXPECT_TRUE(reopened->has_commit(first));
}

TEST_F(GitMirrorTest, HasCommitIsFalseForMalformedShasAndForObjectsThatAreNotCommits) {
    std::string first = upstream.write("a", "1").commit();
    std::string tree = upstream.git("rev-parse HEAD^{tree}");
    auto mirror = fetched_mirror();
    EXPECT_TRUE(mirror.has_commit(first));
    EXPECT_FALSE(mirror.has_commit(tree));
    EXPECT_FALSE(mirror.has_commit("not-a-sha"));
    EXPECT_FALSE(mirror.has_commit(""));
    EXPECT_FALSE(mirror.has_commit(std::string(40, '0')));
    EXPECT_FALSE(mirror.has_commit(std::string(40, 'f')));
}

TEST_F(GitMirrorTest, FetchIntoAnExistingMirrorBringsANewUpstreamCommit) {
    std::string first = upstream.write("roots/app/main.tf", "a\n").commit();
    auto mirror = fetched_mirror();
    std::string second = upstream.write("roots/app/main.tf", "b\n").commit();
    EXPECT_FALSE(mirror.has_commit(second));

    auto fetched = mirror.fetch();
    ASSERT_TRUE(fetched.ok()) << fetched.error().message;
    EXPECT_TRUE(mirror.has_commit(first));
    EXPECT_TRUE(mirror.has_commit(second));
    EXPECT_EQ(changes(mirror, first, second),
              (std::vector<Change>{{"roots/app/main.tf", Kind::Modified}}));
}

TEST_F(GitMirrorTest, FetchFollowsForcePushesAndPrunesDeletedBranches) {
    upstream.write("a", "1").commit();
    upstream.git("checkout -q -b feature");
    std::string feature = upstream.write("b", "2").commit();
    upstream.git("checkout -q main");
    auto mirror = fetched_mirror();
    ASSERT_TRUE(mirror.list_dir("feature", "").ok());

    upstream.git("checkout -q feature");
    upstream.git("reset -q --hard main");
    std::string rewritten = upstream.write("c", "3").commit();
    upstream.git("checkout -q main");
    ASSERT_TRUE(mirror.fetch().ok());
    EXPECT_EQ(shell("git --git-dir='" + mirror.path() + "' rev-parse refs/heads/feature").second,
              rewritten);

    upstream.git("branch -q -D feature");
    ASSERT_TRUE(mirror.fetch().ok());
    EXPECT_FALSE(mirror.list_dir("feature", "").ok()) << "refs/heads/feature was not pruned";
    EXPECT_TRUE(mirror.list_dir("main", "").ok());
}

TEST_F(GitMirrorTest, FetchFromAnUnreachableUrlIsAnError) {
    auto mirror = GitMirror::open(cache, "acme/infra", "file://" + root + "/no-such-repo");
    ASSERT_TRUE(mirror.ok()) << mirror.error().message;
    auto fetched = mirror->fetch();
    ASSERT_FALSE(fetched.ok());
    EXPECT_TRUE(fetched.error().message.starts_with("fetching file://")) << fetched.error().message;
}

TEST_F(GitMirrorTest, ChangedPathsReportsModifiedAddedAndDeletedFiles) {
    std::string before =
        upstream.write("keep.tf", "k").write("modify.tf", "old").write("delete.tf", "d").commit();
    std::string after =
        upstream.write("modify.tf", "new").remove("delete.tf").write("add.tf", "a").commit();
    auto mirror = fetched_mirror();
    EXPECT_EQ(changes(mirror, before, after), (std::vector<Change>{{"add.tf", Kind::Added},
                                                                   {"delete.tf", Kind::Deleted},
                                                                   {"modify.tf", Kind::Modified}}));
    // And the other way round.
    EXPECT_EQ(changes(mirror, after, before), (std::vector<Change>{{"add.tf", Kind::Deleted},
                                                                   {"delete.tf", Kind::Added},
                                                                   {"modify.tf", Kind::Modified}}));
}

TEST_F(GitMirrorTest, ChangedPathsReportsAModeChangeAsModified) {
    std::string before = upstream.write("run.sh", "echo hi\n").commit();
    std::string after = upstream.make_executable("run.sh").commit();
    auto mirror = fetched_mirror();
    EXPECT_EQ(changes(mirror, before, after), (std::vector<Change>{{"run.sh", Kind::Modified}}));
}

TEST_F(GitMirrorTest, ChangedPathsReportsAFileReplacedByADirectory) {
    std::string before = upstream.write("roots/app", "was a file").commit();
    std::string after = upstream.remove("roots/app")
                            .write("roots/app/main.tf", "m")
                            .write("roots/app/x/y.tf", "y")
                            .commit();
    auto mirror = fetched_mirror();
    EXPECT_EQ(changes(mirror, before, after),
              (std::vector<Change>{{"roots/app", Kind::Deleted},
                                   {"roots/app/main.tf", Kind::Added},
                                   {"roots/app/x/y.tf", Kind::Added}}));
}

TEST_F(GitMirrorTest, ChangedPathsReportsADirectoryReplacedByAFile) {
    std::string before =
        upstream.write("roots/app/main.tf", "m").write("roots/app/x/y.tf", "y").commit();
    std::string after = upstream.remove("roots/app").write("roots/app", "now a file").commit();
    auto mirror = fetched_mirror();
    EXPECT_EQ(changes(mirror, before, after),
              (std::vector<Change>{{"roots/app", Kind::Added},
                                   {"roots/app/main.tf", Kind::Deleted},
                                   {"roots/app/x/y.tf", Kind::Deleted}}));
}

TEST_F(GitMirrorTest, ChangedPathsCountsBothPathsOfARename) {
    std::string before = upstream.write("roots/old/main.tf", "same content\n").commit();
    std::string after = upstream.move("roots/old", "roots/new").commit();
    auto mirror = fetched_mirror();
    EXPECT_EQ(changes(mirror, before, after),
              (std::vector<Change>{{"roots/new/main.tf", Kind::Added},
                                   {"roots/old/main.tf", Kind::Deleted}}));
}

TEST_F(GitMirrorTest, ChangedPathsNamesNestedFilesByFullPathAndSkipsUnchangedSubtrees) {
    upstream.write("modules/vpc/main.tf", "v")
        .write("modules/vpc/variables.tf", "v")
        .write("roots/prod/network/main.tf", "n")
        .write("roots/prod/network/deep/er/still.tf", "s")
        .write("roots/staging/main.tf", "s")
        .write("top.tf", "t");
    std::string before = upstream.commit();
    std::string after = upstream.write("roots/prod/network/deep/er/still.tf", "changed")
                            .write("roots/prod/network/deep/new.tf", "n")
                            .commit();
    auto mirror = fetched_mirror();
    EXPECT_EQ(changes(mirror, before, after),
              (std::vector<Change>{{"roots/prod/network/deep/er/still.tf", Kind::Modified},
                                   {"roots/prod/network/deep/new.tf", Kind::Added}}));
}

TEST_F(GitMirrorTest, ChangedPathsBetweenACommitAndItselfIsEmpty) {
    std::string only = upstream.write("a/b/c", "1").write("d", "2").commit();
    auto mirror = fetched_mirror();
    EXPECT_TRUE(changes(mirror, only, only).empty());
}

TEST_F(GitMirrorTest, ChangedPathsFromTheZeroShaOrEmptyListsEveryFileAsAdded) {
    std::string only = upstream.write("top.tf", "t")
                           .write("roots/app/main.tf", "m")
                           .write("roots/app/nested/x.tf", "x")
                           .commit();
    auto mirror = fetched_mirror();
    std::vector<Change> everything{{"roots/app/main.tf", Kind::Added},
                                   {"roots/app/nested/x.tf", Kind::Added},
                                   {"top.tf", Kind::Added}};
    EXPECT_EQ(changes(mirror, std::string(40, '0'), only), everything);
    EXPECT_EQ(changes(mirror, "", only), everything);
    EXPECT_TRUE(is_zero_sha(std::string(40, '0')));
    EXPECT_TRUE(is_zero_sha(""));
    EXPECT_FALSE(is_zero_sha(only));
}

TEST_F(GitMirrorTest, ChangedPathsWithAnUnknownRevisionIsAnError) {
    std::string only = upstream.write("a", "1").commit();
    auto mirror = fetched_mirror();
    std::string unknown(40, 'a');
    auto from_unknown = mirror.changed_paths(unknown, only);
    ASSERT_FALSE(from_unknown.ok());
    EXPECT_TRUE(from_unknown.error().message.starts_with("resolving " + unknown))
        << from_unknown.error().message;
    EXPECT_FALSE(mirror.changed_paths(only, unknown).ok());
}

TEST_F(GitMirrorTest, ListDirNamesTheEntriesOfTheTopAndOfNestedDirectories) {
    std::string first = upstream.write("strata.yaml", "roots: []")
                            .write("roots/prod/main.tf", "p")
                            .write("roots/staging/main.tf", "s")
                            .write("roots/staging/vars.tf", "v")
                            .commit();
    std::string second = upstream.remove("roots/staging").commit();
    auto mirror = fetched_mirror();

    auto top = mirror.list_dir(first, "");
    ASSERT_TRUE(top.ok()) << top.error().message;
    EXPECT_EQ(sorted(*top), (std::vector<std::string>{"roots", "strata.yaml"}));
    auto roots = mirror.list_dir(first, "roots");
    ASSERT_TRUE(roots.ok()) << roots.error().message;
    EXPECT_EQ(sorted(*roots), (std::vector<std::string>{"prod", "staging"}));
    auto staging = mirror.list_dir(first, "roots/staging");
    ASSERT_TRUE(staging.ok()) << staging.error().message;
    EXPECT_EQ(sorted(*staging), (std::vector<std::string>{"main.tf", "vars.tf"}));

    // The same directory at a later revision, and by branch name.
    auto later = mirror.list_dir(second, "roots");
    ASSERT_TRUE(later.ok()) << later.error().message;
    EXPECT_EQ(sorted(*later), (std::vector<std::string>{"prod"}));
    auto by_branch = mirror.list_dir("main", "roots");
    ASSERT_TRUE(by_branch.ok()) << by_branch.error().message;
    EXPECT_EQ(sorted(*by_branch), (std::vector<std::string>{"prod"}));
}

TEST_F(GitMirrorTest, ListDirOfAMissingDirectoryOrOfAFileIsEmpty) {
    std::string first = upstream.write("roots/prod/main.tf", "p").commit();
    auto mirror = fetched_mirror();
    for (const char* dir : {"nope", "roots/nope", "roots/prod/main.tf", "nope/deeper"}) {
        auto names = mirror.list_dir(first, dir);
        ASSERT_TRUE(names.ok()) << dir << ": " << names.error().message;
        EXPECT_TRUE(names->empty()) << dir;
    }
    EXPECT_FALSE(mirror.list_dir(std::string(40, 'b'), "").ok());
}

TEST_F(GitMirrorTest, CheckoutWritesTheTreeOfTheRevisionIntoANewDirectory) {
    std::string first = upstream.write("strata.yaml", "version: 1\n")
                            .write("roots/prod/main.tf", "resource \"x\" \"y\" {}\n")
                            .write("roots/prod/nested/deep.tf", "deep\n")
                            .write("scripts/run.sh", "#!/bin/sh\n")
                            .make_executable("scripts/run.sh")
                            .commit();
    // The branch moves on: the checkout must still be of `first`, complete, files the later
    // commit left unchanged included.
    upstream.write("roots/prod/main.tf", "changed\n").write("later.tf", "l").commit();
    auto mirror = fetched_mirror();

    std::string dest = root + "/work/job-1";
    auto out = mirror.checkout(first, dest);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(read_file(dest + "/strata.yaml"), "version: 1\n");
    EXPECT_EQ(read_file(dest + "/roots/prod/main.tf"), "resource \"x\" \"y\" {}\n");
    EXPECT_EQ(read_file(dest + "/roots/prod/nested/deep.tf"), "deep\n");
    EXPECT_EQ(read_file(dest + "/scripts/run.sh"), "#!/bin/sh\n");
    EXPECT_NE(fs::status(dest + "/scripts/run.sh").permissions() & fs::perms::owner_exec,
              fs::perms::none);
    EXPECT_FALSE(fs::exists(dest + "/later.tf"));
    EXPECT_FALSE(fs::exists(dest + "/.git"));

    // Checking out the branch head elsewhere gets the later content.
    std::string head_dest = root + "/work/job-2";
    ASSERT_TRUE(mirror.checkout("main", head_dest).ok());
    EXPECT_EQ(read_file(head_dest + "/roots/prod/main.tf"), "changed\n");
    EXPECT_EQ(read_file(head_dest + "/later.tf"), "l");
    EXPECT_EQ(read_file(head_dest + "/roots/prod/nested/deep.tf"), "deep\n");
}

TEST_F(GitMirrorTest, CheckoutOfAnUnknownRevisionIsAnErrorAndWritesNothing) {
    upstream.write("a", "1").commit();
    auto mirror = fetched_mirror();
    std::string dest = root + "/work/job";
    auto out = mirror.checkout(std::string(40, 'c'), dest);
    ASSERT_FALSE(out.ok());
    EXPECT_TRUE(out.error().message.starts_with("resolving ")) << out.error().message;
    EXPECT_FALSE(fs::exists(dest));
}

TEST_F(GitMirrorTest, CheckoutIntoAnExistingDirectoryIsAnError) {
    std::string first = upstream.write("a", "1").commit();
    auto mirror = fetched_mirror();
    std::string dest = root + "/work/job";
    write_file(dest + "/stale.txt", "left over");
    auto out = mirror.checkout(first, dest);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(read_file(dest + "/stale.txt"), "left over");
    EXPECT_FALSE(fs::exists(dest + "/a"));
}

// Damage done to a fetched mirror, each of which open() must detect and repair by re-creating.
struct Corruption {
    const char* name;
    void (*damage)(const fs::path& mirror);
};

void PrintTo(const Corruption& corruption, std::ostream* os) { *os << corruption.name; }

class CorruptMirrorTest : public GitMirrorTest, public ::testing::WithParamInterface<Corruption> {};

TEST_P(CorruptMirrorTest, OpenDetectsTheCorruptMirrorAndCreatesItAfresh) {
    std::string first = upstream.write("roots/app/main.tf", "m").commit();
    std::string path = fetched_mirror().path();
    GetParam().damage(path);

    auto reopened = GitMirror::open(cache, "acme/infra", upstream.url());
    ASSERT_TRUE(reopened.ok()) << reopened.error().message;
    EXPECT_EQ(reopened->path(), path);
    auto fetched = reopened->fetch();
    ASSERT_TRUE(fetched.ok()) << fetched.error().message;
    EXPECT_TRUE(reopened->has_commit(first));
    auto names = reopened->list_dir(first, "roots/app");
    ASSERT_TRUE(names.ok()) << names.error().message;
    EXPECT_EQ(*names, (std::vector<std::string>{"main.tf"}));
    EXPECT_EQ(shell("git --git-dir='" + path + "' fsck --no-progress").first, 0)
        << shell("git --git-dir='" + path + "' fsck --no-progress").second;
}

INSTANTIATE_TEST_SUITE_P(
    GitMirror, CorruptMirrorTest,
    ::testing::Values(
        Corruption{"HeadAndObjectsDeleted",
                   [](const fs::path& m) {
                       fs::remove(m / "HEAD");
                       fs::remove_all(m / "objects");
                   }},
        Corruption{"GarbageConfig",
                   [](const fs::path& m) { write_file(m / "config", "[[[ garbage"); }},
        Corruption{"GarbageHead", [](const fs::path& m) { write_file(m / "HEAD", "garbage\n"); }},
        Corruption{"PathIsAFile",
                   [](const fs::path& m) {
                       fs::remove_all(m);
                       write_file(m, "not a repository");
                   }},
        Corruption{"ObjectsGarbled",
                   [](const fs::path& m) {
                       for (const auto& entry : fs::recursive_directory_iterator(m / "objects")) {
                           if (!entry.is_regular_file()) continue;
                           fs::permissions(entry.path(), fs::perms::owner_write,
                                           fs::perm_options::add);
                           write_file(entry.path(), "garbage");
                       }
                   }},
        Corruption{"RefPointsAtAMissingObject",
                   [](const fs::path& m) {
                       fs::remove_all(m / "objects");
                       fs::create_directories(m / "objects/pack");
                       fs::create_directories(m / "objects/info");
                   }}),
    [](const ::testing::TestParamInfo<Corruption>& info) { return std::string(info.param.name); });

// ---- MirrorCache ------------------------------------------------------------------------------

class GitMirrorCacheTest : public GitMirrorTest {
protected:
    // Moves the upstream away so that any fetch fails.
    void break_upstream() { fs::rename(upstream.dir(), upstream.dir() + "-gone"); }
    void restore_upstream() { fs::rename(upstream.dir() + "-gone", upstream.dir()); }

    MirrorCache mirrors{cache};
};

TEST_F(GitMirrorCacheTest, UseFetchesWhenTheWantedCommitIsMissingAndRunsTheFunction) {
    std::string first = upstream.write("a", "1").commit();
    bool ran = false;
    auto used = mirrors.use("acme/infra", upstream.url(), first, "", [&](GitMirror& mirror) {
        ran = true;
        EXPECT_TRUE(mirror.has_commit(first));
    });
    ASSERT_TRUE(used.ok()) << used.error().message;
    EXPECT_TRUE(*used);
    EXPECT_TRUE(ran);
}

TEST_F(GitMirrorCacheTest, UseDoesNotFetchWhenTheWantedCommitIsAlreadyPresent) {
    std::string first = upstream.write("a", "1").commit();
    ASSERT_TRUE(mirrors.use("acme/infra", upstream.url(), first, "", [](GitMirror&) {}).ok());
    break_upstream();  // a fetch now fails, so success means no fetch happened

    bool ran = false;
    auto used =
        mirrors.use("acme/infra", upstream.url(), first, "", [&](GitMirror&) { ran = true; });
    ASSERT_TRUE(used.ok()) << used.error().message;
    EXPECT_TRUE(*used);
    EXPECT_TRUE(ran);

    // A commit it lacks needs a fetch, which fails: the error comes back and fn does not run.
    ran = false;
    auto missing = mirrors.use("acme/infra", upstream.url(), std::string(40, 'e'), "",
                               [&](GitMirror&) { ran = true; });
    ASSERT_FALSE(missing.ok());
    EXPECT_TRUE(missing.error().message.starts_with("fetching ")) << missing.error().message;
    EXPECT_FALSE(ran);
    restore_upstream();
}

TEST_F(GitMirrorCacheTest, UseFetchesANewUpstreamCommitIntoTheExistingMirror) {
    std::string first = upstream.write("a", "1").commit();
    ASSERT_TRUE(mirrors.use("acme/infra", upstream.url(), first, "", [](GitMirror&) {}).ok());
    std::string second = upstream.write("b", "2").commit();

    std::vector<Change> seen;
    auto used = mirrors.use("acme/infra", upstream.url(), second, "",
                            [&](GitMirror& mirror) { seen = changes(mirror, first, second); });
    ASSERT_TRUE(used.ok()) << used.error().message;
    EXPECT_TRUE(*used);
    EXPECT_EQ(seen, (std::vector<Change>{{"b", Kind::Added}}));
}

TEST_F(GitMirrorCacheTest, UseReturnsFalseForACommitTheUpstreamDoesNotHave) {
    upstream.write("a", "1").commit();
    bool ran = false;
    auto used = mirrors.use("acme/infra", upstream.url(), std::string(40, 'd'), "",
                            [&](GitMirror&) { ran = true; });
    ASSERT_TRUE(used.ok()) << used.error().message;
    EXPECT_FALSE(*used);
    EXPECT_FALSE(ran);
}

TEST_F(GitMirrorCacheTest, UseWithoutAWantedCommitAlwaysFetches) {
    upstream.write("a", "1").commit();
    ASSERT_TRUE(mirrors.use("acme/infra", upstream.url(), "", "", [](GitMirror&) {}).ok());
    std::string second = upstream.write("b", "2").commit();
    bool has_second = false;
    auto used = mirrors.use("acme/infra", upstream.url(), "", "",
                            [&](GitMirror& mirror) { has_second = mirror.has_commit(second); });
    ASSERT_TRUE(used.ok()) << used.error().message;
    EXPECT_TRUE(*used);
    EXPECT_TRUE(has_second);

    break_upstream();
    EXPECT_FALSE(mirrors.use("acme/infra", upstream.url(), "", "", [](GitMirror&) {}).ok());
    restore_upstream();
}

TEST_F(GitMirrorCacheTest, ASecondCacheOnTheSameDirectoryReusesTheMirrorOnDisk) {
    std::string first = upstream.write("a", "1").commit();
    ASSERT_TRUE(mirrors.use("acme/infra", upstream.url(), first, "", [](GitMirror&) {}).ok());
    break_upstream();
    MirrorCache again(cache);
    auto used = again.use("acme/infra", upstream.url(), first, "", [](GitMirror&) {});
    ASSERT_TRUE(used.ok()) << used.error().message;
    EXPECT_TRUE(*used);
    restore_upstream();
}

}  // namespace
}  // namespace strata
