#include "root_variables.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "strata/glob.hpp"

namespace strata::executor {
namespace fs = std::filesystem;

namespace {

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

bool valid_name(const std::string& name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    return true;
}

Result<std::string> read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("reading " + path.string() + ": cannot open it");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

Result<Variables> parse_env_file(const std::string& text, const std::string& origin) {
    Variables out;
    std::istringstream lines(text);
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
        auto eq = line.find('=');
        std::string name = eq == std::string::npos ? line : trim(line.substr(0, eq));
        if (eq == std::string::npos || !valid_name(name))
            return make_error(origin + " line " + std::to_string(number) + ": expected NAME=value");
        std::string value = trim(line.substr(eq + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front())
            value = value.substr(1, value.size() - 2);
        out.emplace_back(name, value);
    }
    return out;
}

Result<Variables> load_root_variables(const std::string& mapping_file,
                                      const std::string& root_key) {
    Variables out;
    if (mapping_file.empty()) return out;
    auto mapping = read_text(mapping_file);
    if (!mapping) return mapping.error().context("reading root variables");
    std::istringstream lines(*mapping);
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        auto space = line.find_first_of(" \t");
        auto where = mapping_file + " line " + std::to_string(number);
        if (space == std::string::npos)
            return make_error("reading root variables: " + where + ": expected ROOT-GLOB ENV-FILE");
        std::string pattern = line.substr(0, space);
        std::string file = trim(line.substr(space));
        if (auto valid = validate_glob(pattern); !valid)
            return make_error("reading root variables: " + where + ": " + valid.error().message);
        if (!glob_match(pattern, root_key)) continue;
        fs::path path(file);
        if (path.is_relative()) path = fs::path(mapping_file).parent_path() / path;
        auto text = read_text(path);
        if (!text) return text.error().context("reading root variables (" + where + ")");
        auto vars = parse_env_file(*text, path.string());
        if (!vars) return vars.error().context("reading root variables");
        for (auto& v : *vars) out.push_back(std::move(v));
    }
    return out;
}

}  // namespace strata::executor
