// Read access to the tree of one revision: what the index and the config loader need, behind an
// interface so that tests can serve trees from memory. Blocking (libgit2): worker threads only.
#pragma once

#include <string>
#include <vector>

#include "strata/git.hpp"
#include "strata/result.hpp"

namespace strata::planner {

class RevisionReader {
public:
    virtual ~RevisionReader() = default;
    virtual const std::string& revision() const = 0;
    // Entries of dir ("" = top); empty when dir does not exist or is not a directory.
    virtual Result<std::vector<TreeEntry>> entries(const std::string& dir) const = 0;
    virtual Result<std::string> blob(const std::string& id) const = 0;
    // Entries of dir given its tree id too (from its parent's entries): what a walk of the
    // whole revision uses, so that each tree is read once, not walked to from the top.
    virtual Result<std::vector<TreeEntry>> subtree_entries(const std::string& dir,
                                                           const std::string& tree_id) const {
        (void)tree_id;
        return entries(dir);
    }
};

// A revision of a mirror. The mirror must outlive it and not be used by another thread meanwhile.
class GitRevision : public RevisionReader {
public:
    GitRevision(const GitMirror& mirror, std::string revision)
        : mirror_(mirror), revision_(std::move(revision)) {}
    const std::string& revision() const override { return revision_; }
    Result<std::vector<TreeEntry>> entries(const std::string& dir) const override {
        return mirror_.entries(revision_, dir);
    }
    Result<std::string> blob(const std::string& id) const override { return mirror_.read_blob(id); }
    Result<std::vector<TreeEntry>> subtree_entries(const std::string&,
                                                   const std::string& tree_id) const override {
        return mirror_.tree_entries(tree_id);
    }

private:
    const GitMirror& mirror_;
    std::string revision_;
};

}  // namespace strata::planner
