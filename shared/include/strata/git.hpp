// Bare repository mirrors on libgit2. Blocking: call from a worker thread (uv_queue_work), never
// from the event loop. A GitMirror is not thread-safe; callers serialise use of one mirror.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/result.hpp"

namespace strata {

struct ChangedPath {
    std::string path;
    enum class Kind { Added, Deleted, Modified } kind = Kind::Modified;
};

// One entry of a directory at a revision.
struct TreeEntry {
    std::string name;
    std::string id;  // object id, 40 hex digits
    enum class Kind { File, Executable, Symlink, Directory, Submodule } kind = Kind::File;
};

class GitMirror {
public:
    // Opens the mirror of repo (e.g. "acme/infra") under cache_dir, creating a bare repository
    // when there is none. A mirror that does not open, or whose config, HEAD or branch commits
    // (and their root trees) do not read back, is removed and created afresh.
    static Result<GitMirror> open(const std::string& cache_dir, const std::string& repo,
                                  const std::string& url);
    GitMirror(GitMirror&&) noexcept;
    GitMirror& operator=(GitMirror&&) noexcept;
    ~GitMirror();

    // Incremental fetch of every branch into refs/heads/* (pruning deleted ones), plus
    // `extra_refspecs` ("+refs/pull/7/head:refs/pull/7/head"; a source the remote lacks is
    // skipped, not an error). Records the remote's default branch as the mirror's HEAD.
    // token: used as the HTTPS password ("x-access-token") when not empty; never logged.
    Result<void> fetch(const std::string& token = "");
    Result<void> fetch(const std::string& token, const std::vector<std::string>& extra_refspecs);

    // True when the commit is present.
    bool has_commit(const std::string& sha) const;

    // True when the config, HEAD and every branch's commit and root tree read back (what open()
    // checks). A fetch that fails on a mirror that is no longer intact calls for re-creating it.
    bool intact() const;

    // Paths that differ between two commits, walking only subtrees whose ids differ (sorted
    // merge of the two entry lists). An empty or all-zero `from` means every path of `to` is
    // added. A rename is its old path deleted and its new path added.
    Result<std::vector<ChangedPath>> changed_paths(const std::string& from,
                                                   const std::string& to) const;

    // Names of the entries of directory dir ("" = top) at a commit; empty when it does not exist.
    Result<std::vector<std::string>> list_dir(const std::string& rev, const std::string& dir) const;

    // The entries of directory dir ("" = top) at rev, in Git's order; empty when dir does not
    // exist or is not a directory.
    Result<std::vector<TreeEntry>> entries(const std::string& rev, const std::string& dir) const;

    // The entries of the tree object with this id (a directory's TreeEntry::id), in Git's
    // order. Reading a whole revision this way parses each tree once, where entries(rev, dir)
    // walks down from the root tree on every call (and libgit2 does not cache trees > 4 KiB).
    Result<std::vector<TreeEntry>> tree_entries(const std::string& tree_id) const;

    // Content of the blob with this id.
    Result<std::string> read_blob(const std::string& id) const;

    // The commit (40 hex digits) that rev names: a SHA, a branch name, "HEAD", a full ref.
    Result<std::string> resolve(const std::string& rev) const;

    // The best common ancestor of two commits; an error when they share none.
    Result<std::string> merge_base(const std::string& a, const std::string& b) const;

    // True when `ancestor` is `descendant` or one of its ancestors (both must be present).
    bool is_ancestor(const std::string& ancestor, const std::string& descendant) const;

    // The first parent of a commit; "" for a commit without parents.
    Result<std::string> first_parent(const std::string& commit) const;

    // The remote's default branch ("main") as learnt by the last fetch; "" when unknown.
    std::string default_branch() const;

    // Writes the tree of rev into dest, which must not exist yet (an error when it does).
    Result<void> checkout(const std::string& rev, const std::string& dest) const;

    const std::string& path() const;

    struct Impl;  // opaque (shared/src/git_internal.hpp)

private:
    explicit GitMirror(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

bool is_zero_sha(const std::string& sha);

// The refspec that fetches pull request `number`'s head into the mirror under the same name
// ("+refs/pull/N/head:refs/pull/N/head"): the head of a pull request from a fork is reachable
// through that ref only, never through a branch.
std::string pull_request_refspec(long long number);

// What a caller of MirrorCache::prepare needs from a mirror.
struct MirrorRequest {
    std::string repo;                   // "acme/infra"
    std::string url;                    // clone URL (https://..., file://...)
    std::string token;                  // "" = none
    std::vector<std::string> want;      // commits that must be present
    std::vector<std::string> refspecs;  // fetched besides the branches
    bool refresh = false;               // fetch even when every wanted commit is present
};

// The mirrors of one cache directory, shared by the threads of a daemon: use of one repository
// is serialised, different repositories proceed in parallel. Blocking.
//
// Fetches coalesce: callers that queue up behind a fetch share the next one, and a caller never
// fetches when a fetch that started after it arrived has already completed (what it wants would
// have come with it). A fetch that fails on a mirror that is no longer intact re-creates the
// mirror and fetches once more.
class MirrorCache {
public:
    explicit MirrorCache(std::string cache_dir);
    ~MirrorCache();

    // Opens (creating if needed) the mirror, fetches when `want` is not present (or always when
    // want is empty), and runs fn with it. false: `want` is absent even after fetching (fn not
    // run). Errors are from opening or fetching.
    Result<bool> use(const std::string& repo, const std::string& url, const std::string& want,
                     const std::string& token, const std::function<void(GitMirror&)>& fn);

    // The general form: fetches (at most once) when a wanted commit is missing or refresh is
    // set, then runs fn, which checks has_commit() for what it needs. Errors are from opening or
    // fetching; fn does not run then.
    Result<void> prepare(const MirrorRequest& request, const std::function<void(GitMirror&)>& fn);

    // Closes the repository's mirror and deletes it from disk, so that the next use creates it
    // afresh. For a mirror found damaged in use (an object it must hold does not read); waits
    // for the mirror's current user.
    void discard(const std::string& repo);

    // Fetches done by this cache so far, and callers waiting for a repository's mirror (for
    // tests and metrics).
    long long fetch_count() const;
    int waiting(const std::string& repo) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace strata
