#include "affected_roots.hpp"

#include <algorithm>
#include <set>

namespace strata::planner {
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string parent_dir(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash);
}

bool is_under_modules(const std::string& dir) {
    std::string padded = "/" + dir + "/";
    return padded.find("/modules/") != std::string::npos;
}

bool is_terraform_file(const std::string& name) {
    return ends_with(name, ".tf") || ends_with(name, ".tfvars") || ends_with(name, ".hcl");
}

std::string root_name(const std::string& dir) { return dir.empty() ? "." : dir; }

Result<AffectedRoots> find_affected_roots(const GitMirror& mirror, const std::string& before,
                                          const std::string& after) {
    auto changed = mirror.changed_paths(before, after);
    if (!changed) return changed.error();
    std::set<std::string> dirs;
    for (const auto& c : *changed) {
        auto name =
            c.path.substr(c.path.rfind('/') == std::string::npos ? 0 : c.path.rfind('/') + 1);
        if (!is_terraform_file(name)) continue;
        auto dir = parent_dir(c.path);
        if (!is_under_modules(dir)) dirs.insert(dir);
    }
    auto holds_tf = [&](const std::string& rev, const std::string& dir) -> Result<bool> {
        if (is_zero_sha(rev)) return false;
        auto entries = mirror.list_dir(rev, dir);
        if (!entries) return entries.error();
        return std::any_of(entries->begin(), entries->end(),
                           [](const std::string& n) { return ends_with(n, ".tf"); });
    };
    AffectedRoots out;
    for (const auto& dir : dirs) {
        auto now = holds_tf(after, dir);
        if (!now) return now.error();
        if (*now) {
            out.roots.push_back(RootRef{root_name(dir), root_name(dir), "default", ""});
            continue;
        }
        auto was = holds_tf(before, dir);
        if (!was) return was.error();
        if (*was) out.deleted.push_back(root_name(dir));
    }
    return out;
}

}  // namespace strata::planner
