#include "root_set.hpp"

#include <algorithm>
#include <set>

#include "strata/glob.hpp"

namespace strata::planner {

bool is_under_modules(const std::string& dir) {
    std::string padded = "/" + dir + "/";
    return padded.find("/modules/") != std::string::npos;
}

std::string root_name(const std::string& dir) { return dir.empty() ? "." : dir; }

std::shared_ptr<const RootSet> RootSet::build(RepoConfig config) {
    auto set = std::make_shared<RootSet>();
    set->config_ = std::move(config);
    const auto& roots = set->config_.roots;
    set->dependents_.resize(roots.size());
    for (std::size_t i = 0; i < roots.size(); ++i) {
        int id = static_cast<int>(i);
        auto compiled = PathPatterns::compile(roots[i].dir, roots[i].when_modified);
        set->patterns_.push_back(compiled ? std::move(*compiled) : PathPatterns());
        std::set<std::string> anchors;
        for (auto& anchor : set->patterns_.back().anchors()) anchors.insert(std::move(anchor));
        for (const auto& anchor : anchors) set->by_anchor_[anchor].push_back(id);
        set->by_dir_[roots[i].dir].push_back(id);
        set->by_name_.emplace(roots[i].name, id);
    }
    for (std::size_t i = 0; i < roots.size(); ++i)
        for (const auto& name : roots[i].depends_on)
            if (auto it = set->by_name_.find(name); it != set->by_name_.end())
                set->dependents_[it->second].push_back(static_cast<int>(i));
    return set;
}

std::shared_ptr<const RootSet> RootSet::with_discovery(RepoConfig config, const RepoIndex& index) {
    std::set<std::string> listed;
    for (const auto& root : config.roots) listed.insert(root.dir);
    std::vector<std::string> found;
    for (const auto& [path, facts] : index.dirs()) {
        const std::string& dir = path;  // a structured binding cannot be captured (clang 14)
        if (!(facts.has_tf || facts.terragrunt_unit) || is_under_modules(dir) || listed.count(dir))
            continue;
        bool ignored = std::any_of(config.discovery_ignore.begin(), config.discovery_ignore.end(),
                                   [&](const std::string& glob) {
                                       return glob_match(glob, dir) || glob_match(glob, dir + "/");
                                   });
        if (!ignored) found.push_back(dir);
    }
    std::sort(found.begin(), found.end());
    for (const auto& dir : found) {
        RootConfig root;
        root.name = root_name(dir);
        root.dir = dir;
        root.when_modified = default_when_modified();
        config.roots.push_back(std::move(root));
    }
    return build(std::move(config));
}

void RootSet::matching(const std::string& path, std::vector<int>& out) const {
    // Every ancestor directory of path, from the top down, may anchor a pattern.
    std::size_t end = 0;
    for (;;) {
        auto it = by_anchor_.find(path.substr(0, end));
        if (it != by_anchor_.end())
            for (int id : it->second)
                if (patterns_[id].matches(path)) out.push_back(id);
        std::size_t slash = path.find('/', end == 0 ? 0 : end + 1);
        if (slash == std::string::npos) break;
        end = slash;
    }
}

const std::vector<int>& RootSet::at_dir(const std::string& dir) const {
    static const std::vector<int> none;
    auto it = by_dir_.find(dir);
    return it == by_dir_.end() ? none : it->second;
}

std::optional<int> RootSet::by_name(const std::string& name) const {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) return std::nullopt;
    return it->second;
}

const std::vector<int>& RootSet::depends_on_me(int root) const { return dependents_[root]; }

}  // namespace strata::planner
