#include "yaml_fields.hpp"

#include <set>

namespace strata::planner {

YamlFields::YamlFields(const YAML::Node& node, std::string file, std::string what,
                       std::vector<ConfigError>& errors)
    : node_(node), file_(std::move(file)), what_(std::move(what)), errors_(errors) {
    is_map_ = node_.IsMap();
    if (!is_map_) error(node_, what_ + " must be a mapping");
}

int YamlFields::line_of(const YAML::Node& node) {
    if (!node.IsDefined()) return 0;
    auto mark = node.Mark();
    return mark.is_null() ? 0 : mark.line + 1;
}

void YamlFields::error(const YAML::Node& at, std::string message) {
    int line = line_of(at);
    errors_.push_back({file_, line ? line : line_of(node_), std::move(message)});
}

void YamlFields::allow_only(std::initializer_list<std::string_view> known) {
    if (!is_map_) return;
    std::set<std::string> seen;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
        if (!it->first.IsScalar()) {
            error(it->first, what_ + ": keys must be plain strings");
            continue;
        }
        std::string key = it->first.Scalar();
        if (!seen.insert(key).second) error(it->first, what_ + ": key '" + key + "' is repeated");
        bool ok = false;
        for (auto k : known) ok = ok || k == key;
        if (!ok) error(it->first, what_ + ": unknown key '" + key + "'");
    }
}

bool YamlFields::has(const std::string& key) const { return is_map_ && node_[key].IsDefined(); }

YAML::Node YamlFields::node(const std::string& key) const {
    return is_map_ ? node_[key] : YAML::Node();
}

std::optional<std::string> YamlFields::string(const std::string& key) {
    if (!has(key)) return std::nullopt;
    YAML::Node n = node(key);
    if (!n.IsScalar()) {
        error(n, what_ + ": '" + key + "' must be a string");
        return std::nullopt;
    }
    return n.Scalar();
}

std::optional<bool> YamlFields::boolean(const std::string& key) {
    auto text = string(key);
    if (!text) return std::nullopt;
    if (*text == "true") return true;
    if (*text == "false") return false;
    error(node(key), what_ + ": '" + key + "' must be true or false");
    return std::nullopt;
}

std::optional<int> YamlFields::integer(const std::string& key) {
    auto text = string(key);
    if (!text) return std::nullopt;
    try {
        std::size_t used = 0;
        int value = std::stoi(*text, &used);
        if (used == text->size()) return value;
    } catch (const std::exception&) {
    }
    error(node(key), what_ + ": '" + key + "' must be an integer");
    return std::nullopt;
}

std::optional<std::vector<std::string>> YamlFields::strings(const std::string& key) {
    if (!has(key)) return std::nullopt;
    YAML::Node n = node(key);
    if (!n.IsSequence()) {
        error(n, what_ + ": '" + key + "' must be a list of strings");
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& item : n) {
        if (!item.IsScalar()) {
            error(item, what_ + ": every item of '" + key + "' must be a string");
            return std::nullopt;
        }
        out.push_back(item.Scalar());
    }
    return out;
}

YAML::Node load_yaml(std::string_view text, const std::string& file,
                     std::vector<ConfigError>& errors) {
    try {
        return YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        int line = e.mark.is_null() ? 0 : e.mark.line + 1;
        errors.push_back({file, line, "not valid YAML: " + e.msg});
    } catch (const std::exception& e) {
        errors.push_back({file, 0, std::string("not valid YAML: ") + e.what()});
    }
    return YAML::Node();
}

}  // namespace strata::planner
