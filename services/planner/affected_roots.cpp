#include "affected_roots.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "root_graph.hpp"

namespace strata::planner {
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool present(const RepoIndex& index, const std::string& dir) {
    const DirFacts* f = index.dir(dir);
    return f && (f->has_tf || f->terragrunt_unit);
}

// Every proper ancestor directory of path, nearest first, ending with "" (the top).
std::vector<std::string> ancestors(const std::string& path) {
    std::vector<std::string> out;
    std::string at = path;
    while (!at.empty()) {
        at = parent_dir(at);
        out.push_back(at);
    }
    return out;
}

// True when find_in_parent_folders(name) from dir resolves to the file `name` in `holder`:
// holder is above dir and no directory in between holds a file of that name.
bool nearest_parent_holds(const RepoIndex& index, const std::string& dir, const std::string& holder,
                          const std::string& name) {
    if (dir == holder || !path_within(dir, holder)) return false;
    for (std::string at = parent_dir(dir); at != holder && !at.empty(); at = parent_dir(at)) {
        const DirFacts* f = index.dir(at);
        if (f && std::find(f->hcl_files.begin(), f->hcl_files.end(), name) != f->hcl_files.end())
            return false;
    }
    return true;
}

struct Hits {
    std::vector<char> hit;
    std::vector<std::string> reason;
    std::deque<int> fresh;  // hit, upstream propagation not yet done
    void mark(int id, const std::string& why) {
        if (hit[id]) return;
        hit[id] = 1;
        reason[id] = why;
        fresh.push_back(id);
    }
};

void match_paths(const ChangeInputs& in, Hits& hits) {
    std::vector<int> matched;
    for (const auto& c : in.changed) {
        matched.clear();
        in.after.matching(c.path, matched);
        for (int id : matched) hits.mark(id, "changed " + c.path);
    }
}

void follow_modules(const ChangeInputs& in, Hits& hits) {
    std::set<std::string> seen;
    std::deque<std::string> todo;
    for (const auto& c : in.changed)
        for (auto& dir : ancestors(c.path))
            if (!in.index.module_callers(dir).empty() && seen.insert(dir).second)
                todo.push_back(std::move(dir));
    while (!todo.empty()) {
        std::string module = std::move(todo.front());
        todo.pop_front();
        for (const auto& caller : in.index.module_callers(module)) {
            for (int id : in.after.at_dir(caller)) hits.mark(id, "module " + module);
            if (seen.insert(caller).second) todo.push_back(caller);
        }
    }
}

void follow_reads(const ChangeInputs& in, Hits& hits) {
    for (const auto& c : in.changed) {
        for (const auto& dir : in.index.includers(c.path))
            for (int id : in.after.at_dir(dir)) hits.mark(id, "reads " + c.path);
        std::string name = base_name(c.path), holder = parent_dir(c.path);
        for (const auto& dir : in.index.parent_lookups(name))
            if (nearest_parent_holds(in.index, dir, holder, name))
                for (int id : in.after.at_dir(dir)) hits.mark(id, "reads " + c.path);
    }
}

// Roots reading outputs of an affected root are affected too, transitively.
void follow_upstreams(const ChangeInputs& in, Hits& hits) {
    const auto& roots = in.after.roots();
    while (!hits.fresh.empty()) {
        int id = hits.fresh.front();
        hits.fresh.pop_front();
        const std::string why = "upstream " + roots[id].name;
        for (const auto& dir : in.index.dependents(roots[id].dir))
            for (int down : in.after.at_dir(dir)) hits.mark(down, why);
        if (in.after.config().depends_on_triggers)
            for (int down : in.after.depends_on_me(id)) hits.mark(down, why);
    }
}

}  // namespace

bool is_terraform_file(const std::string& name) {
    return ends_with(name, ".tf") || ends_with(name, ".tfvars") || ends_with(name, ".hcl");
}

Result<RootChanges> find_affected_roots(const ChangeInputs& in) {
    const auto& roots = in.after.roots();
    Hits hits{std::vector<char>(roots.size(), 0), std::vector<std::string>(roots.size()), {}};
    match_paths(in, hits);
    follow_modules(in, hits);
    follow_reads(in, hits);
    follow_upstreams(in, hits);

    RootChanges out;
    std::set<std::string> deleted_names;
    auto maybe_deleted = [&](const RootConfig& root) -> Result<void> {
        if (present(in.index, root.dir) || deleted_names.count(root.name)) return {};
        auto was = in.existed_before(root.dir);
        if (!was) return was.error();
        if (*was) {
            deleted_names.insert(root.name);
            out.deleted.push_back(root);
        }
        return {};
    };
    std::vector<int> chosen;
    for (std::size_t i = 0; i < roots.size(); ++i) {
        if (!hits.hit[i]) continue;
        if (!present(in.index, roots[i].dir)) {
            if (auto r = maybe_deleted(roots[i]); !r) return r.error();
            continue;
        }
        if (in.include(roots[i])) chosen.push_back(static_cast<int>(i));
    }
    if (in.before) {
        std::vector<int> matched;
        for (const auto& c : in.changed) in.before->matching(c.path, matched);
        std::sort(matched.begin(), matched.end());
        matched.erase(std::unique(matched.begin(), matched.end()), matched.end());
        for (int id : matched)
            if (auto r = maybe_deleted(in.before->roots()[id]); !r) return r.error();
    }
    if (!in.before || in.before->config().discover) {
        // Discovered roots at the old revision: dirs whose Terraform files were removed.
        std::set<std::string> dirs;
        for (const auto& c : in.changed)
            if (c.kind == ChangedPath::Kind::Deleted && is_terraform_file(base_name(c.path)) &&
                !is_under_modules(parent_dir(c.path)))
                dirs.insert(parent_dir(c.path));
        for (const auto& dir : dirs) {
            if (!in.after.at_dir(dir).empty()) continue;
            RootConfig root;
            root.name = root_name(dir);
            root.dir = dir;
            if (auto r = maybe_deleted(root); !r) return r.error();
        }
    }
    auto ordered = order_roots(in.after, in.index, std::move(chosen));
    ordered.deleted = std::move(out.deleted);
    for (auto& a : ordered.roots) a.reason = hits.reason[a.root - roots.data()];
    return ordered;
}

}  // namespace strata::planner
