// Strict reading of YAML mappings for the repo config parsers: unknown and duplicate keys, and
// values of the wrong type, become ConfigErrors with the file and line. yaml-cpp stays in here
// and the parsers (never in a header the rest of the planner includes).
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "repo_config.hpp"

namespace strata::planner {

class YamlFields {
public:
    // `what` names the mapping in messages ("root 'app'", "defaults").
    YamlFields(const YAML::Node& node, std::string file, std::string what,
               std::vector<ConfigError>& errors);

    bool is_map() const { return is_map_; }
    int line() const { return line_of(node_); }

    // Reports keys outside `known`, and keys given twice.
    void allow_only(std::initializer_list<std::string_view> known);

    bool has(const std::string& key) const;
    YAML::Node node(const std::string& key) const;
    std::optional<std::string> string(const std::string& key);
    std::optional<bool> boolean(const std::string& key);
    std::optional<int> integer(const std::string& key);
    // A sequence of strings.
    std::optional<std::vector<std::string>> strings(const std::string& key);

    void error(const YAML::Node& at, std::string message);
    static int line_of(const YAML::Node& node);

private:
    YAML::Node node_;
    std::string file_;
    std::string what_;
    std::vector<ConfigError>& errors_;
    bool is_map_ = false;
};

// Parses the text; a syntax error is reported (with its line) and yields a null node.
YAML::Node load_yaml(std::string_view text, const std::string& file,
                     std::vector<ConfigError>& errors);

}  // namespace strata::planner
