#include "repo_paths.hpp"

#include "strata/glob.hpp"

namespace strata::planner {

std::optional<std::string> normalise_path(std::string_view path) {
    if (!path.empty() && path.front() == '/') return std::nullopt;
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        std::string_view part = path.substr(start, end - start);
        if (part == "..") {
            if (parts.empty()) return std::nullopt;
            parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        start = end + 1;
    }
    std::string out;
    for (auto part : parts) {
        if (!out.empty()) out += '/';
        out += part;
    }
    return out;
}

std::optional<std::string> join_path(std::string_view base, std::string_view relative) {
    if (!relative.empty() && relative.front() == '/') return std::nullopt;
    std::string joined(base);
    if (!joined.empty()) joined += '/';
    joined += relative;
    return normalise_path(joined);
}

bool path_within(std::string_view path, std::string_view dir) {
    if (dir.empty()) return true;
    return path.starts_with(dir) && (path.size() == dir.size() || path[dir.size()] == '/');
}

std::string parent_dir(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string base_name(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

const std::vector<std::string>& default_when_modified() {
    static const std::vector<std::string> patterns{"*.tf", "*.tfvars", "*.hcl",
                                                   ".terraform.lock.hcl"};
    return patterns;
}

Result<PathPatterns> PathPatterns::compile(const std::string& dir,
                                           const std::vector<std::string>& patterns) {
    PathPatterns out;
    for (const auto& written : patterns) {
        Pattern p;
        std::string_view body = written;
        if (body.starts_with("!")) {
            p.exclude = true;
            body.remove_prefix(1);
        }
        if (auto valid = validate_glob(body); !valid) return valid.error();
        if (body.front() == '/')
            return make_error("pattern '" + written + "' is absolute; patterns are relative to " +
                              "the root's dir");
        auto joined = join_path(dir, body);
        if (!joined || joined->empty())
            return make_error("pattern '" + written + "' escapes the repository");
        p.glob = std::move(*joined);
        out.patterns_.push_back(std::move(p));
    }
    return out;
}

bool PathPatterns::matches(std::string_view path) const {
    bool matched = false;
    for (const auto& p : patterns_)
        if (matched == p.exclude && glob_match(p.glob, path)) matched = !p.exclude;
    return matched;
}

std::vector<std::string> PathPatterns::anchors() const {
    std::vector<std::string> out;
    for (const auto& p : patterns_) {
        if (p.exclude) continue;
        // Leading segments free of glob characters, but never the last one (the file part).
        std::string anchor;
        std::size_t start = 0;
        for (;;) {
            std::size_t slash = p.glob.find('/', start);
            if (slash == std::string::npos) break;
            std::string_view segment(p.glob.data() + start, slash - start);
            if (segment.find_first_of("*?[") != std::string_view::npos) break;
            anchor = p.glob.substr(0, slash);
            start = slash + 1;
        }
        out.push_back(std::move(anchor));
    }
    return out;
}

}  // namespace strata::planner
