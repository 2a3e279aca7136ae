// The dependency facts of every Terraform/Terragrunt directory of a repository at one revision,
// with the reverse edges needed to answer "who is affected when X changes" without reading the
// tree again. Built once per repository (a walk of the whole tree, blobs scanned through the
// ScanCache), then moved from revision to revision by re-reading only the directories a diff
// touched. Not thread-safe: one repository's work is serialised (see RepoWorkers).
#pragma once

#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "file_facts.hpp"
#include "revision_reader.hpp"

namespace strata::planner {

struct DirEdge {
    std::string target;  // repository-relative dir (or file, for includes)
    std::string file;    // the file that declares it, repository-relative
    int line = 0;
};

struct DirFacts {
    bool has_tf = false;                 // *.tf files (or symlinks named so)
    bool terragrunt_unit = false;        // terragrunt.hcl with a terraform or include block
    std::vector<std::string> hcl_files;  // names of the *.hcl files (find_in_parent_folders)
    std::vector<DirEdge> modules;        // local module sources
    std::vector<DirEdge> dependencies;   // Terragrunt dependency: affects and orders
    std::vector<DirEdge> ordering;       // Terragrunt dependencies.paths: orders only
    std::vector<DirEdge> includes;       // files read: include, read_terragrunt_config, symlinks
    std::vector<std::string> parent_lookups;  // find_in_parent_folders names
    std::vector<std::string> problems;        // "main.tf: line 3: ...", for logs
};

class RepoIndex {
public:
    // Reads every directory of the revision.
    static Result<RepoIndex> build(const RevisionReader& revision, ScanCache& cache);

    // Moves the index to `revision`, given the paths that changed since revision() (as
    // GitMirror::changed_paths reports them). On error the index is left unusable (rebuild).
    Result<void> advance(const RevisionReader& revision, const std::vector<ChangedPath>& changed,
                         ScanCache& cache);

    const std::string& revision() const { return revision_; }
    // Bumped whenever a directory starts or stops being a Terraform root candidate (has_tf or
    // terragrunt_unit changed), so a discovered root set can be cached against it.
    long long shape_version() const { return shape_version_; }

    // Bumped whenever a symlink anywhere in the tree appears, changes or goes.
    long long symlink_version() const { return symlink_version_; }

    const DirFacts* dir(const std::string& path) const;
    // The target of the symlink at path (as stored in Git), or nullptr when path is none.
    const std::string* symlink(const std::string& path) const;
    const std::unordered_map<std::string, DirFacts>& dirs() const { return dirs_; }

    // Reverse edges: dirs whose modules / dependencies / ordering point at `target` (a dir),
    // dirs whose includes name `file`, dirs looking up `name` in their parents.
    const std::set<std::string>& module_callers(const std::string& target) const;
    const std::set<std::string>& dependents(const std::string& target) const;
    const std::set<std::string>& includers(const std::string& file) const;
    const std::set<std::string>& parent_lookups(const std::string& name) const;

private:
    Result<void> read_dir(const RevisionReader& revision, const std::string& dir,
                          const std::vector<TreeEntry>& entries, ScanCache& cache);
    Result<void> read_symlinks(const RevisionReader& revision, const std::string& dir,
                               const std::vector<TreeEntry>& entries);
    void link(const std::string& dir, const DirFacts& facts, bool add);

    std::string revision_;
    long long shape_version_ = 0;
    long long symlink_version_ = 0;
    // dir -> name -> target, for every symlink in the tree (any name).
    std::unordered_map<std::string, std::unordered_map<std::string, std::string>> symlinks_;
    std::unordered_map<std::string, DirFacts> dirs_;
    std::unordered_map<std::string, std::set<std::string>> module_callers_, dependents_, includers_,
        parent_lookups_;
};

}  // namespace strata::planner
