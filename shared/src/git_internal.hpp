// Private to the git*.cpp files: the libgit2 side of GitMirror.
#pragma once

#include <git2.h>

#include <string>
#include <vector>

#include "strata/git.hpp"

namespace strata::git_detail {

void init_libgit2();

// "what: <libgit2's last error>".
Error libgit2_error(const std::string& what);

// Owns a libgit2 object; frees it on destruction.
template <class T, void (*Free)(T*)>
struct Owned {
    T* ptr = nullptr;
    Owned() = default;
    explicit Owned(T* p) : ptr(p) {}
    Owned(const Owned&) = delete;
    Owned& operator=(const Owned&) = delete;
    ~Owned() {
        if (ptr) Free(ptr);
    }
    T** out() { return &ptr; }
    T* get() const { return ptr; }
};
using Tree = Owned<git_tree, git_tree_free>;
using Object = Owned<git_object, git_object_free>;
using Commit = Owned<git_commit, git_commit_free>;

// Parses 40 (or fewer, prefix) hex digits; false when it is not hex.
bool parse_oid(const std::string& sha, git_oid& out);
std::string oid_hex(const git_oid* oid);

// True when the config, HEAD and every branch's commit and root tree read back.
bool usable(git_repository* repo);

}  // namespace strata::git_detail

namespace strata {

struct GitMirror::Impl {
    git_repository* repo = nullptr;
    std::string path;
    std::string url;
    ~Impl() {
        if (repo) git_repository_free(repo);
    }

    // The root tree of rev (a SHA, branch, ref, "HEAD"); the caller frees it.
    Result<git_tree*> tree_of(const std::string& rev) const;
    // The subtree at dir ("" = tree itself); nullptr (no error) when dir is absent or a file.
    Result<git_tree*> subtree(const git_tree* root, const std::string& dir) const;

    // Every file below tree, as `kind`, named prefix/....
    void list_all(const git_tree* tree, const std::string& prefix, ChangedPath::Kind kind,
                  std::vector<ChangedPath>& out) const;
    // Differences between two trees, descending only where subtree ids differ.
    void walk(const git_tree* a, const git_tree* b, const std::string& prefix,
              std::vector<ChangedPath>& out) const;
};

}  // namespace strata
