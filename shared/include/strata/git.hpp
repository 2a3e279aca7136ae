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

class GitMirror {
public:
    // Opens the mirror of repo (e.g. "acme/infra") under cache_dir, creating a bare repository
    // when there is none. A mirror that does not open is removed and created afresh.
    static Result<GitMirror> open(const std::string& cache_dir, const std::string& repo,
                                  const std::string& url);
    GitMirror(GitMirror&&) noexcept;
    GitMirror& operator=(GitMirror&&) noexcept;
    ~GitMirror();

    // Incremental fetch of every branch into refs/heads/* (pruning deleted ones).
    // token: used as the HTTPS password ("x-access-token") when not empty.
    Result<void> fetch(const std::string& token = "");

    // True when the commit is present.
    bool has_commit(const std::string& sha) const;

    // Paths that differ between two commits, walking only subtrees whose ids differ. An empty or
    // all-zero `from` means every path of `to` is added.
    Result<std::vector<ChangedPath>> changed_paths(const std::string& from,
                                                   const std::string& to) const;

    // Names of the entries of directory dir ("" = top) at a commit; empty when it does not exist.
    Result<std::vector<std::string>> list_dir(const std::string& rev, const std::string& dir) const;

    // Writes the tree of rev into dest (which must not exist yet).
    Result<void> checkout(const std::string& rev, const std::string& dest) const;

    const std::string& path() const;

private:
    struct Impl;
    explicit GitMirror(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

bool is_zero_sha(const std::string& sha);

// The mirrors of one cache directory, shared by the threads of a daemon: use() of one repository
// is serialised (one fetch at a time), different repositories proceed in parallel. Blocking.
class MirrorCache {
public:
    explicit MirrorCache(std::string cache_dir);
    ~MirrorCache();

    // Opens (creating if needed) the mirror, fetches when `want` is not present (or always when
    // want is empty), and runs fn with it. false: `want` is absent even after fetching (fn not
    // run). Errors are from opening or fetching.
    Result<bool> use(const std::string& repo, const std::string& url, const std::string& want,
                     const std::string& token, const std::function<void(GitMirror&)>& fn);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace strata
