#include "repo_config.hpp"

#include <algorithm>
#include <map>
#include <regex>

#include "repo_paths.hpp"
#include "root_graph.hpp"

namespace strata::planner {
namespace {

bool valid_name(const std::string& name) {
    static const std::regex pattern("[A-Za-z0-9][A-Za-z0-9._/@:+-]*");
    return name.size() <= 128 && std::regex_match(name, pattern) &&
           name.find("||") == std::string::npos;
}

bool valid_workspace(const std::string& workspace) {
    static const std::regex pattern("[A-Za-z0-9_.-]+");
    return workspace.size() <= 90 && std::regex_match(workspace, pattern);
}

bool valid_version(const std::string& version) {
    static const std::regex pattern("v?[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.]+)?");
    return std::regex_match(version, pattern);
}

int line_or(int line, int fallback) { return line ? line : fallback; }

}  // namespace

void check_root(RootConfig& root, const std::string& file, std::vector<ConfigError>& errors) {
    auto fail = [&](int line, std::string message) {
        errors.push_back({file, line_or(line, root.line), "root '" + root.name + "': " + message});
    };
    auto dir = normalise_path(root.dir);
    if (!root.dir.empty() && root.dir.front() == '/')
        fail(root.lines.dir,
             "dir '" + root.dir + "' is absolute; dirs are relative to the " + "repository's top");
    else if (!dir)
        fail(root.lines.dir, "dir '" + root.dir + "' escapes the repository");
    else
        root.dir = *dir;
    if (dir && root.name != "." && !valid_name(root.name))
        errors.push_back({file, root.line,
                          "root name '" + root.name + "' must start with a letter or digit and " +
                              "hold only letters, digits and . _ / @ : + -"});
    if (!valid_workspace(root.workspace))
        fail(0, "workspace '" + root.workspace + "' may hold only letters, digits and _ . -");
    if (!root.terraform_version.empty() && !valid_version(root.terraform_version))
        fail(0, "terraform_version '" + root.terraform_version +
                    "' must be an exact version such as 1.7.5");
    if (root.review.required != "auto" && root.review.required != "always" &&
        root.review.required != "never")
        fail(0, "review.required must be auto, always or never");
    if (dir) {
        auto compiled = PathPatterns::compile(root.dir, root.when_modified);
        if (!compiled) fail(root.lines.when_modified, "when_modified: " + compiled.error().message);
    }
}

void validate_roots(const RepoConfig& config, std::vector<ConfigError>& errors) {
    std::map<std::string, const RootConfig*> by_name;
    for (const auto& root : config.roots) {
        auto [it, fresh] = by_name.emplace(root.name, &root);
        if (!fresh)
            errors.push_back({config.file, root.line,
                              "duplicate root name '" + root.name + "' (first on line " +
                                  std::to_string(it->second->line) + ")"});
    }
    bool references_ok = true;
    for (const auto& root : config.roots) {
        for (const auto& upstream : root.depends_on) {
            int line = line_or(root.lines.depends_on, root.line);
            if (upstream == root.name) {
                errors.push_back({config.file, line, "root '" + root.name + "' depends on itself"});
                references_ok = false;
            } else if (!by_name.count(upstream)) {
                errors.push_back(
                    {config.file, line,
                     "root '" + root.name + "' depends on unknown root '" + upstream + "'"});
                references_ok = false;
            }
        }
    }
    if (!references_ok) return;
    std::map<std::string, int> index;
    for (std::size_t i = 0; i < config.roots.size(); ++i)
        index.emplace(config.roots[i].name, static_cast<int>(i));
    Upstreams upstream(config.roots.size());
    for (std::size_t i = 0; i < config.roots.size(); ++i)
        for (const auto& name : config.roots[i].depends_on) upstream[i].push_back(index.at(name));
    if (auto cycle = find_cycle(upstream)) {
        std::string text;
        for (int node : *cycle) text += (text.empty() ? "" : " -> ") + config.roots[node].name;
        const auto& at = config.roots[cycle->front()];
        errors.push_back(
            {config.file, line_or(at.lines.depends_on, at.line), "dependency cycle: " + text});
    }
}

std::string describe(const std::vector<ConfigError>& errors) {
    std::string out;
    for (const auto& e : errors) {
        if (!out.empty()) out += '\n';
        out += e.file;
        if (e.line) out += ":" + std::to_string(e.line);
        out += ": " + e.message;
    }
    return out;
}

}  // namespace strata::planner
