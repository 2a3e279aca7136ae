#include "config_loader.hpp"

#include "repo_paths.hpp"

namespace strata::planner {
namespace {

constexpr std::size_t kMaxCached = 64;

template <class Map>
void bound(Map& map) {
    if (map.size() >= kMaxCached) map.clear();
}

}  // namespace

void check_symlinks(const RepoConfig& config, const RepoIndex& index,
                    std::vector<ConfigError>& errors) {
    for (const auto& root : config.roots) {
        // Each leading part of the dir, shortest first: a symlink there redirects the rest.
        std::size_t end = 0;
        while (end != std::string::npos && !root.dir.empty()) {
            end = root.dir.find('/', end + 1);
            std::string part = root.dir.substr(0, end);
            const std::string* target = index.symlink(part);
            if (!target) continue;
            auto resolved = join_path(parent_dir(part), *target);
            if (!resolved || (!target->empty() && target->front() == '/')) {
                errors.push_back({config.file, root.lines.dir ? root.lines.dir : root.line,
                                  "root '" + root.name + "': dir '" + root.dir +
                                      "' goes through symlink '" + part + "' -> '" + *target +
                                      "', which leaves the repository"});
            }
            break;
        }
    }
}

Result<std::optional<ConfigLoader::Found>> ConfigLoader::find_config(
    const RevisionReader& revision) {
    auto top = revision.entries("");
    if (!top) return top.error();
    for (std::string_view name : {kStrataConfigFile, std::string_view("strata.yml"),
                                  kAtlantisConfigFile, std::string_view("atlantis.yml")}) {
        for (const auto& e : *top)
            if (e.name == name && e.kind != TreeEntry::Kind::Directory)
                return std::optional<Found>(Found{e.name, e});
    }
    return std::optional<Found>();
}

std::shared_ptr<const ConfigParse> ConfigLoader::parse(const RevisionReader& revision,
                                                       const Found& found, Result<void>& read) {
    std::string key = found.file + "@" + found.entry.id;
    if (auto it = parsed_.find(key); it != parsed_.end()) return it->second;
    auto parsed = std::make_shared<ConfigParse>();
    if (found.entry.kind == TreeEntry::Kind::Symlink) {
        parsed->errors.push_back({found.file, 0, found.file + " is a symlink; it must be a file"});
    } else {
        auto text = revision.blob(found.entry.id);
        if (!text) {
            read = text.error();
            return nullptr;
        }
        ++parses_;
        *parsed = found.file.starts_with("strata") ? parse_strata_yaml(*text)
                                                   : parse_atlantis_yaml(*text, found.file);
        parsed->config.file = found.file;
        for (auto& e : parsed->errors) e.file = found.file;
    }
    bound(parsed_);
    parsed_[key] = parsed;
    return parsed;
}

Result<LoadedConfig> ConfigLoader::load(const RevisionReader& revision, const RepoIndex& index) {
    auto found = find_config(revision);
    if (!found) return found.error();
    LoadedConfig out;
    std::string key;
    std::shared_ptr<const ConfigParse> parsed;
    if (*found) {
        Result<void> read;
        parsed = parse(revision, **found, read);
        if (!read) return read.error();
        out.blob_id = (*found)->entry.id;
        if (!parsed->ok()) {
            out.errors = parsed->errors;
            return out;
        }
        key = (*found)->file + "@" + out.blob_id;
    } else {
        key = "discovery";
    }
    bool discover = !parsed || parsed->config.discover;
    if (discover) key += "#" + std::to_string(index.shape_version());
    key += "#" + std::to_string(index.symlink_version());
    if (auto it = compiled_.find(key); it != compiled_.end()) {
        out.roots = it->second;
        return out;
    }
    RepoConfig config = parsed ? parsed->config : RepoConfig{};
    check_symlinks(config, index, out.errors);
    if (!out.errors.empty()) return out;
    out.roots = discover ? RootSet::with_discovery(std::move(config), index)
                         : RootSet::build(std::move(config));
    bound(compiled_);
    compiled_[key] = out.roots;
    return out;
}

Result<std::shared_ptr<const RootSet>> ConfigLoader::listed_roots(const RevisionReader& revision) {
    auto found = find_config(revision);
    if (!found) return found.error();
    if (!*found) return std::shared_ptr<const RootSet>();
    Result<void> read;
    auto parsed = parse(revision, **found, read);
    if (!read) return read.error();
    if (!parsed->ok()) return std::shared_ptr<const RootSet>();
    std::string key = "listed:" + (*found)->file + "@" + (*found)->entry.id;
    if (auto it = compiled_.find(key); it != compiled_.end()) return it->second;
    auto roots = RootSet::build(parsed->config);
    bound(compiled_);
    compiled_[key] = roots;
    return roots;
}

}  // namespace strata::planner
