// strata.yaml: the reference is docs/repo-config.md.
#include <string>

#include "repo_config.hpp"
#include "repo_paths.hpp"
#include "strata/config.hpp"
#include "yaml_fields.hpp"

namespace strata::planner {
namespace {

const std::string kFile(kStrataConfigFile);

// Settings a root may take from `defaults`: read into `root` (which holds the defaults so far).
void read_settings(YamlFields& fields, RootConfig& root, std::vector<ConfigError>& errors) {
    if (auto v = fields.string("workspace")) root.workspace = *v;
    if (auto v = fields.string("terraform_version")) root.terraform_version = *v;
    if (auto v = fields.strings("when_modified")) {
        root.when_modified = *v;
        root.lines.when_modified = YamlFields::line_of(fields.node("when_modified"));
    }
    if (auto v = fields.boolean("auto_plan")) root.auto_plan = *v;
    if (auto v = fields.boolean("auto_deploy")) root.auto_deploy = *v;
    if (fields.has("review")) {
        YamlFields review(fields.node("review"), kFile, "review", errors);
        review.allow_only({"required", "reviewers"});
        if (auto v = review.string("required")) root.review.required = *v;
        if (auto v = review.strings("reviewers")) root.review.reviewers = *v;
    }
    if (fields.has("apply")) {
        YamlFields apply(fields.node("apply"), kFile, "apply", errors);
        apply.allow_only({"enabled", "timeout"});
        if (auto v = apply.boolean("enabled")) root.apply.enabled = *v;
        if (auto v = apply.string("timeout")) {
            if (parse_duration(*v))
                root.apply.timeout = *v;
            else
                apply.error(apply.node("timeout"),
                            "apply.timeout '" + *v + "' is not a duration (45m, 2h, 90s)");
        }
    }
}

}  // namespace

ConfigParse parse_strata_yaml(std::string_view text) {
    ConfigParse out;
    out.config.source = RepoConfig::Source::Strata;
    out.config.file = kFile;
    auto& errors = out.errors;
    YAML::Node doc = load_yaml(text, kFile, errors);
    if (!errors.empty()) return out;
    if (!doc.IsDefined() || doc.IsNull()) {
        errors.push_back({kFile, 1, "the file is empty; it needs at least 'version: 1'"});
        return out;
    }
    YamlFields top(doc, kFile, "strata.yaml", errors);
    if (!top.is_map()) return out;
    top.allow_only({"version", "defaults", "roots"});
    auto version = top.integer("version");
    if (!top.has("version"))
        errors.push_back({kFile, 1, "'version: 1' is required"});
    else if (version && *version != 1)
        top.error(top.node("version"), "version " + std::to_string(*version) +
                                           " is not supported (this Strata reads version 1)");

    RootConfig defaults;
    defaults.when_modified = default_when_modified();
    if (top.has("defaults")) {
        YamlFields fields(top.node("defaults"), kFile, "defaults", errors);
        fields.allow_only({"workspace", "terraform_version", "when_modified", "auto_plan",
                           "auto_deploy", "review", "apply"});
        read_settings(fields, defaults, errors);
    }
    YAML::Node roots = top.node("roots");
    if (!roots.IsDefined() || roots.IsNull()) return out;  // no roots: nothing to deploy
    if (!roots.IsSequence()) {
        top.error(roots, "'roots' must be a list");
        return out;
    }
    for (const auto& node : roots) {
        RootConfig root = defaults;
        root.lines = {};
        root.lines.when_modified = defaults.lines.when_modified;
        root.line = YamlFields::line_of(node);
        YamlFields fields(node, kFile, "root on line " + std::to_string(root.line), errors);
        if (!fields.is_map()) continue;
        fields.allow_only({"name", "dir", "workspace", "terraform_version", "when_modified",
                           "depends_on", "auto_plan", "auto_deploy", "review", "apply"});
        auto dir = fields.string("dir");
        if (!dir) {
            if (!fields.has("dir")) fields.error(node, "every root needs a 'dir'");
            continue;
        }
        root.dir = *dir;
        root.lines.dir = YamlFields::line_of(fields.node("dir"));
        auto normal = normalise_path(*dir);
        root.name = fields.string("name").value_or(!normal           ? *dir
                                                   : normal->empty() ? "."
                                                                     : *normal);
        read_settings(fields, root, errors);
        if (auto v = fields.strings("depends_on")) {
            root.depends_on = *v;
            root.lines.depends_on = YamlFields::line_of(fields.node("depends_on"));
        }
        check_root(root, kFile, errors);
        out.config.roots.push_back(std::move(root));
    }
    validate_roots(out.config, errors);
    return out;
}

}  // namespace strata::planner
