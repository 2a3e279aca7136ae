#include "terraform_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

namespace strata::executor {
namespace fs = std::filesystem;

namespace {

bool exact_version(const std::string& v) {
    if (v.empty() || !std::isdigit(static_cast<unsigned char>(v.front()))) return false;
    if (v.find("..") != std::string::npos) return false;
    return std::all_of(v.begin(), v.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+';
    });
}

}  // namespace

Result<std::string> select_terraform_binary(const TerraformSettings& settings,
                                            const std::string& terraform_version) {
    if (terraform_version.empty() || settings.versions_dir.empty()) return settings.binary;
    std::string version = terraform_version;
    if (version.front() == 'v') version.erase(0, 1);
    if (!exact_version(version))
        return make_error("terraform_version '" + terraform_version +
                          "' is not an exact version (like 1.6.6)");
    std::string name = fs::path(settings.binary).filename().string();
    fs::path candidate = fs::path(settings.versions_dir) / (name + version);
    if (::access(candidate.c_str(), X_OK) != 0)
        return make_error(name + " " + version + " is not installed (no executable " +
                          candidate.string() + ")");
    return candidate.string();
}

std::vector<std::string> terraform_environment(const TerraformSettings& settings,
                                               const std::string& home,
                                               const std::string& workspace,
                                               const Variables& root_variables) {
    std::vector<std::string> order;
    std::map<std::string, std::string> values;
    auto set = [&](const std::string& name, const std::string& value) {
        if (!values.count(name)) order.push_back(name);
        values[name] = value;
    };
    set("PATH", settings.search_path);
    set("HOME", home);
    if (!workspace.empty() && workspace != "default") set("TF_WORKSPACE", workspace);
    if (!settings.plugin_cache_dir.empty()) set("TF_PLUGIN_CACHE_DIR", settings.plugin_cache_dir);
    for (const auto& pair : settings.extra_env) {
        auto eq = pair.find('=');
        if (eq != std::string::npos && eq > 0) set(pair.substr(0, eq), pair.substr(eq + 1));
    }
    for (const auto& [name, value] : root_variables) set(name, value);
    set("TF_IN_AUTOMATION", "1");
    set("TF_INPUT", "0");
    std::vector<std::string> env;
    for (const auto& name : order) env.push_back(name + "=" + values[name]);
    return env;
}

std::vector<std::string> init_args() { return {"init", "-input=false", "-no-color"}; }

std::vector<std::string> plan_args(const std::string& plan_file) {
    return {"plan", "-input=false", "-no-color", "-detailed-exitcode", "-out=" + plan_file};
}

std::vector<std::string> show_args(const std::string& plan_file) {
    return {"show", "-json", "-no-color", plan_file};
}

std::vector<std::string> apply_args(const std::string& plan_file) {
    return {"apply", "-input=false", "-no-color", plan_file};
}

}  // namespace strata::executor
