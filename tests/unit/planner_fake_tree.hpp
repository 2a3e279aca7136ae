// An in-memory RevisionReader for the planner's unit tests: a tree of files (and symlinks)
// given as path -> content, served like a Git revision.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "revision_reader.hpp"
#include "strata/crypto.hpp"

namespace strata::planner::testing {

class FakeTree : public RevisionReader {
public:
    explicit FakeTree(std::string revision = "rev") : revision_(std::move(revision)) {}

    FakeTree& file(const std::string& path, const std::string& content) {
        files_[path] = {content, TreeEntry::Kind::File};
        return *this;
    }
    FakeTree& symlink(const std::string& path, const std::string& target) {
        files_[path] = {target, TreeEntry::Kind::Symlink};
        return *this;
    }
    FakeTree& remove(const std::string& path) {
        for (auto it = files_.begin(); it != files_.end();)
            it = (it->first == path || it->first.starts_with(path + "/")) ? files_.erase(it)
                                                                          : std::next(it);
        return *this;
    }
    FakeTree at(std::string revision) const {
        FakeTree copy = *this;
        copy.revision_ = std::move(revision);
        return copy;
    }

    const std::string& revision() const override { return revision_; }

    Result<std::vector<TreeEntry>> entries(const std::string& dir) const override {
        std::string prefix = dir.empty() ? "" : dir + "/";
        std::map<std::string, TreeEntry> found;
        for (const auto& [path, f] : files_) {
            if (!path.starts_with(prefix)) continue;
            std::string rest = path.substr(prefix.size());
            auto slash = rest.find('/');
            if (slash == std::string::npos)
                found[rest] = {rest, id_of(f.content), f.kind};
            else
                found[rest.substr(0, slash)] = {rest.substr(0, slash), "tree",
                                                TreeEntry::Kind::Directory};
        }
        std::vector<TreeEntry> out;
        for (auto& [name, e] : found) out.push_back(e);
        return out;
    }

    Result<std::string> blob(const std::string& id) const override {
        for (const auto& [path, f] : files_)
            if (id_of(f.content) == id) return f.content;
        return make_error("reading blob " + id + ": not found");
    }

    // What changed from `old` to this tree, as GitMirror::changed_paths reports it.
    std::vector<ChangedPath> changes_since(const FakeTree& old) const {
        std::vector<ChangedPath> out;
        for (const auto& [path, f] : files_) {
            auto it = old.files_.find(path);
            if (it == old.files_.end())
                out.push_back({path, ChangedPath::Kind::Added});
            else if (it->second.content != f.content || it->second.kind != f.kind)
                out.push_back({path, ChangedPath::Kind::Modified});
        }
        for (const auto& [path, f] : old.files_)
            if (!files_.count(path)) out.push_back({path, ChangedPath::Kind::Deleted});
        return out;
    }

    static std::string id_of(const std::string& content) {
        return sha256_hex(content).substr(0, 40);
    }

private:
    struct File {
        std::string content;
        TreeEntry::Kind kind;
    };
    std::string revision_;
    std::map<std::string, File> files_;
};

}  // namespace strata::planner::testing
