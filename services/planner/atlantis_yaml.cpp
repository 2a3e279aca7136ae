// atlantis.yaml, version 3, as Atlantis documents it: projects with name, dir, workspace,
// terraform_version, autoplan (when_modified, enabled), depends_on, execution_order_group;
// autodiscover. Keys Strata has no use for (workflows, automerge, ...) are accepted and ignored;
// unknown keys are errors, as they are to Atlantis.
#include <string>

#include "repo_config.hpp"
#include "repo_paths.hpp"
#include "yaml_fields.hpp"

namespace strata::planner {

ConfigParse parse_atlantis_yaml(std::string_view text, std::string_view file_name) {
    const std::string file(file_name);
    ConfigParse out;
    out.config.source = RepoConfig::Source::Atlantis;
    out.config.file = file;
    out.config.depends_on_triggers = false;
    auto& errors = out.errors;
    YAML::Node doc = load_yaml(text, file, errors);
    if (!errors.empty()) return out;
    if (!doc.IsDefined() || doc.IsNull()) {
        errors.push_back({file, 1, "the file is empty; it needs at least 'version: 3'"});
        return out;
    }
    YamlFields top(doc, file, file, errors);
    if (!top.is_map()) return out;
    top.allow_only({"version", "automerge", "autodiscover", "delete_source_branch_on_merge",
                    "parallel_plan", "parallel_apply", "abort_on_execution_order_fail", "projects",
                    "workflows", "allowed_regexp_prefixes"});
    auto version = top.integer("version");
    if (!top.has("version"))
        errors.push_back({file, 1, "'version: 3' is required"});
    else if (version && *version != 3)
        top.error(top.node("version"), "version " + std::to_string(*version) +
                                           " is not supported (Strata reads version 3)");

    std::string discovery = "auto";
    if (top.has("autodiscover")) {
        YamlFields auto_discover(top.node("autodiscover"), file, "autodiscover", errors);
        auto_discover.allow_only({"mode", "ignore_paths"});
        if (auto v = auto_discover.string("mode")) {
            if (*v != "auto" && *v != "enabled" && *v != "disabled")
                auto_discover.error(auto_discover.node("mode"),
                                    "autodiscover.mode must be auto, enabled or disabled");
            discovery = *v;
        }
        if (auto v = auto_discover.strings("ignore_paths")) out.config.discovery_ignore = *v;
    }

    YAML::Node projects = top.node("projects");
    if (projects.IsDefined() && !projects.IsNull() && !projects.IsSequence()) {
        top.error(projects, "'projects' must be a list");
        return out;
    }
    bool any_project = projects.IsDefined() && projects.IsSequence() && projects.size() > 0;
    out.config.discover = discovery == "enabled" || (discovery == "auto" && !any_project);
    if (!any_project) return out;

    for (const auto& node : projects) {
        RootConfig root;
        root.when_modified = default_when_modified();
        root.line = YamlFields::line_of(node);
        YamlFields fields(node, file, "project on line " + std::to_string(root.line), errors);
        if (!fields.is_map()) continue;
        fields.allow_only({"name", "branch", "dir", "workspace", "execution_order_group",
                           "delete_source_branch_on_merge", "repo_locking", "repo_locks",
                           "custom_policy_check", "autoplan", "plan_requirements",
                           "apply_requirements", "import_requirements", "workflow",
                           "terraform_version", "terraform_distribution", "depends_on",
                           "silence_pr_comments", "policy_check"});
        auto dir = fields.string("dir");
        if (!dir) {
            if (!fields.has("dir")) fields.error(node, "every project needs a 'dir'");
            continue;
        }
        root.dir = *dir;
        root.lines.dir = YamlFields::line_of(fields.node("dir"));
        if (auto v = fields.string("workspace")) root.workspace = *v;
        auto normal = normalise_path(*dir);
        std::string dir_name = !normal ? *dir : normal->empty() ? "." : *normal;
        root.name = fields.string("name").value_or(
            root.workspace == "default" ? dir_name : dir_name + ":" + root.workspace);
        if (auto v = fields.string("terraform_version")) root.terraform_version = *v;
        if (auto v = fields.integer("execution_order_group")) root.execution_order_group = *v;
        if (auto v = fields.strings("depends_on")) {
            root.depends_on = *v;
            root.lines.depends_on = YamlFields::line_of(fields.node("depends_on"));
        }
        if (auto v = fields.strings("apply_requirements"))
            for (const auto& requirement : *v)
                if (requirement == "approved") root.review.required = "always";
        if (fields.has("autoplan")) {
            YamlFields autoplan(fields.node("autoplan"), file, "autoplan", errors);
            autoplan.allow_only({"when_modified", "enabled"});
            if (auto v = autoplan.strings("when_modified")) {
                root.when_modified = *v;
                root.lines.when_modified = YamlFields::line_of(autoplan.node("when_modified"));
            }
            if (auto v = autoplan.boolean("enabled")) root.auto_plan = *v;
        }
        check_root(root, file, errors);
        out.config.roots.push_back(std::move(root));
    }
    validate_roots(out.config, errors);
    return out;
}

}  // namespace strata::planner
