#include "repo_index.hpp"

#include <deque>

#include "repo_paths.hpp"

namespace strata::planner {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const std::set<std::string>& lookup(const std::unordered_map<std::string, std::set<std::string>>& m,
                                    const std::string& key) {
    static const std::set<std::string> none;
    auto it = m.find(key);
    return it == m.end() ? none : it->second;
}

void relink(std::unordered_map<std::string, std::set<std::string>>& m, const std::string& key,
            const std::string& dir, bool add) {
    if (add) {
        m[key].insert(dir);
        return;
    }
    auto it = m.find(key);
    if (it == m.end()) return;
    it->second.erase(dir);
    if (it->second.empty()) m.erase(it);
}

bool candidate(const DirFacts* f) { return f && (f->has_tf || f->terragrunt_unit); }

}  // namespace

Result<RepoIndex> RepoIndex::build(const RevisionReader& revision, ScanCache& cache) {
    RepoIndex index;
    index.revision_ = revision.revision();
    struct Dir {
        std::string path, tree_id;  // tree_id "" for the top
    };
    std::deque<Dir> todo{{"", ""}};
    while (!todo.empty()) {
        const std::string dir = std::move(todo.front().path);
        const std::string tree_id = std::move(todo.front().tree_id);
        todo.pop_front();
        auto entries =
            tree_id.empty() ? revision.entries(dir) : revision.subtree_entries(dir, tree_id);
        if (!entries) return entries.error();
        for (const auto& e : *entries)
            if (e.kind == TreeEntry::Kind::Directory)
                todo.push_back({dir.empty() ? e.name : dir + "/" + e.name, e.id});
        if (auto read = index.read_dir(revision, dir, *entries, cache); !read) return read.error();
    }
    return index;
}

Result<void> RepoIndex::advance(const RevisionReader& revision,
                                const std::vector<ChangedPath>& changed, ScanCache& cache) {
    std::set<std::string> touched;
    for (const auto& c : changed) touched.insert(parent_dir(c.path));
    revision_ = revision.revision();
    for (const auto& dir : touched) {
        auto entries = revision.entries(dir);
        if (!entries) return entries.error();
        if (auto read = read_dir(revision, dir, *entries, cache); !read) return read.error();
    }
    return {};
}

Result<void> RepoIndex::read_dir(const RevisionReader& revision, const std::string& dir,
                                 const std::vector<TreeEntry>& entries, ScanCache& cache) {
    if (auto read = read_symlinks(revision, dir, entries); !read) return read.error();
    DirFacts facts;
    auto resolve = [&](const PathRef& ref) {
        return ref.from_top ? normalise_path(ref.path) : join_path(dir, ref.path);
    };
    for (const auto& e : entries) {
        bool tf = ends_with(e.name, ".tf"), hcl = ends_with(e.name, ".hcl");
        if (e.kind == TreeEntry::Kind::Directory || e.kind == TreeEntry::Kind::Submodule ||
            (!tf && !hcl))
            continue;
        std::string file = dir.empty() ? e.name : dir + "/" + e.name;
        if (hcl) facts.hcl_files.push_back(e.name);
        facts.has_tf = facts.has_tf || tf;
        if (e.kind == TreeEntry::Kind::Symlink) {
            // Terraform reads through it: the dir depends on the file it points at.
            const std::string* target = symlink(file);
            if (auto resolved = target ? join_path(dir, *target) : std::nullopt)
                facts.includes.push_back({*resolved, file, 0});
            else
                facts.problems.push_back(e.name + ": a symlink leaving the repository");
            continue;
        }
        if (hcl && e.name != "terragrunt.hcl") continue;
        auto scanned = cache.find(e.id);
        if (!scanned) {
            auto content = revision.blob(e.id);
            if (!content) return content.error();
            scanned = std::make_shared<const FileFacts>(read_file_facts(e.name, *content));
            cache.put(e.id, scanned);
        }
        if (!scanned->error.empty()) facts.problems.push_back(e.name + ": " + scanned->error);
        if (hcl) facts.terragrunt_unit = scanned->terraform_block || scanned->include_block;
        auto add = [&](const std::vector<PathRef>& refs, std::vector<DirEdge>& out) {
            for (const auto& ref : refs) {
                if (!ref.find_in_parents.empty()) {
                    facts.parent_lookups.push_back(ref.find_in_parents);
                } else if (auto target = resolve(ref)) {
                    out.push_back({*target, file, ref.line});
                } else {
                    facts.problems.push_back(e.name + ": line " + std::to_string(ref.line) + ": '" +
                                             ref.path + "' leaves the repository");
                }
            }
        };
        add(scanned->modules, facts.modules);
        add(scanned->dependencies, facts.dependencies);
        add(scanned->ordering, facts.ordering);
        add(scanned->includes, facts.includes);
    }
    auto old = dirs_.find(dir);
    bool was = old != dirs_.end() && candidate(&old->second);
    if (old != dirs_.end()) {
        link(dir, old->second, false);
        dirs_.erase(old);
    }
    bool keep = facts.has_tf || !facts.hcl_files.empty();
    if (keep) {
        link(dir, facts, true);
        bool is = candidate(&facts);
        dirs_.emplace(dir, std::move(facts));
        if (is != was) ++shape_version_;
    } else if (was) {
        ++shape_version_;
    }
    return {};
}

Result<void> RepoIndex::read_symlinks(const RevisionReader& revision, const std::string& dir,
                                      const std::vector<TreeEntry>& entries) {
    std::unordered_map<std::string, std::string> found;
    for (const auto& e : entries) {
        if (e.kind != TreeEntry::Kind::Symlink) continue;
        auto target = revision.blob(e.id);
        if (!target) return target.error();
        found.emplace(e.name, std::move(*target));
    }
    auto old = symlinks_.find(dir);
    bool had = old != symlinks_.end();
    if (had && old->second == found) return {};
    if (!had && found.empty()) return {};
    ++symlink_version_;
    if (found.empty())
        symlinks_.erase(old);
    else
        symlinks_[dir] = std::move(found);
    return {};
}

const std::string* RepoIndex::symlink(const std::string& path) const {
    auto in = symlinks_.find(parent_dir(path));
    if (in == symlinks_.end()) return nullptr;
    auto it = in->second.find(base_name(path));
    return it == in->second.end() ? nullptr : &it->second;
}

void RepoIndex::link(const std::string& dir, const DirFacts& facts, bool add) {
    for (const auto& e : facts.modules) relink(module_callers_, e.target, dir, add);
    for (const auto& e : facts.dependencies) relink(dependents_, e.target, dir, add);
    for (const auto& e : facts.includes) relink(includers_, e.target, dir, add);
    for (const auto& name : facts.parent_lookups) relink(parent_lookups_, name, dir, add);
}

const DirFacts* RepoIndex::dir(const std::string& path) const {
    auto it = dirs_.find(path);
    return it == dirs_.end() ? nullptr : &it->second;
}

const std::set<std::string>& RepoIndex::module_callers(const std::string& target) const {
    return lookup(module_callers_, target);
}
const std::set<std::string>& RepoIndex::dependents(const std::string& target) const {
    return lookup(dependents_, target);
}
const std::set<std::string>& RepoIndex::includers(const std::string& file) const {
    return lookup(includers_, file);
}
const std::set<std::string>& RepoIndex::parent_lookups(const std::string& name) const {
    return lookup(parent_lookups_, name);
}

}  // namespace strata::planner
