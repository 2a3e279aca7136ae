#include "strata/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>
#include <sstream>

namespace strata {
namespace {

std::string env_name(const std::string& key) {
    std::string out = "STRATA_";
    for (char c : key) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string flag_name(const std::string& key) {
    std::string out = "--";
    for (char c : key) out += c == '_' ? '-' : c;
    return out;
}

const OptionSpec* find_spec(const std::vector<OptionSpec>& specs, const std::string& key) {
    for (const auto& s : specs)
        if (s.key == key) return &s;
    return nullptr;
}

}  // namespace

struct ConfigLoader {
    static Result<void> load_file(Config& config, const std::string& path) {
        YAML::Node root;
        try {
            root = YAML::LoadFile(path);
        } catch (const YAML::Exception& e) {
            return make_error("reading config file " + path + ": " + e.what());
        }
        if (root.IsNull()) return {};
        if (!root.IsMap()) return make_error("reading config file " + path + ": not a mapping");
        for (const auto& item : root) {
            auto mark = item.first.Mark();
            if (!item.first.IsScalar())
                return make_error("reading config file " + path + ":" +
                                  std::to_string(mark.line + 1) + ": keys must be plain names");
            auto key = item.first.as<std::string>();
            if (!find_spec(config.specs_, key))
                return make_error("reading config file " + path + ":" +
                                  std::to_string(mark.line + 1) + ": unknown key '" + key + "'");
            if (!item.second.IsScalar())
                return make_error("reading config file " + path + ":" +
                                  std::to_string(mark.line + 1) + ": '" + key +
                                  "' must be a scalar");
            config.values_[key] = item.second.as<std::string>();
            config.sources_[key] = "file";
        }
        return {};
    }
};

const std::string& Config::get(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) std::abort();  // an undeclared key is a programming error
    return it->second;
}

const std::string& Config::source(const std::string& key) const {
    static const std::string kDefault = "default";
    auto it = sources_.find(key);
    return it == sources_.end() ? kDefault : it->second;
}

Result<long long> Config::get_int(const std::string& key) const {
    const auto& text = get(key);
    try {
        std::size_t used = 0;
        long long v = std::stoll(text, &used);
        if (used == text.size()) return v;
    } catch (const std::exception&) {
    }
    return make_error(key + ": expected an integer, got '" + text + "'");
}

Result<bool> Config::get_bool(const std::string& key) const {
    std::string v = get(key);
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "0" || v == "no" || v == "off" || v.empty()) return false;
    return make_error(key + ": expected true or false, got '" + get(key) + "'");
}

Result<std::chrono::milliseconds> Config::get_duration(const std::string& key) const {
    auto d = parse_duration(get(key));
    if (!d) return d.error().context(key);
    return d;
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == 0) return make_error("expected a duration like 5s, got '" + std::string(text) + "'");
    auto unit = text.substr(i);
    long long per_unit = 0;  // milliseconds
    if (unit == "ms")
        per_unit = 1;
    else if (unit.empty() || unit == "s")
        per_unit = 1000;
    else if (unit == "m")
        per_unit = 60'000;
    else if (unit == "h")
        per_unit = 3'600'000;
    else if (unit == "d")
        per_unit = 86'400'000;
    else
        return make_error("unknown duration unit in '" + std::string(text) + "'");
    // Digits only, so the only failure is overflow: report it instead of throwing.
    long long n = 0;
    for (std::size_t k = 0; k < i; ++k) {
        int digit = text[k] - '0';
        if (n > (std::numeric_limits<long long>::max() - digit) / 10 / per_unit)
            return make_error("duration '" + std::string(text) + "' is too large");
        n = n * 10 + digit;
    }
    return std::chrono::milliseconds(n * per_unit);
}

std::string Config::describe() const {
    std::ostringstream out;
    for (const auto& spec : specs_) {
        const auto& v = get(spec.key);
        out << spec.key << " = " << (spec.secret && !v.empty() ? "***" : v) << "  # "
            << source(spec.key) << '\n';
    }
    return out.str();
}

std::vector<std::string> Config::secret_values() const {
    std::vector<std::string> out;
    for (const auto& spec : specs_)
        if (spec.secret && !get(spec.key).empty()) out.push_back(get(spec.key));
    return out;
}

Result<ParsedCommandLine> parse_command_line(const std::vector<OptionSpec>& specs, int argc,
                                             const char* const* argv,
                                             const std::vector<std::string>& environ) {
    ParsedCommandLine parsed;
    Config& config = parsed.config;
    config.specs_ = specs;
    for (const auto& spec : specs) config.values_[spec.key] = spec.default_value;

    std::map<std::string, std::string> env;
    for (const auto& entry : environ) {
        auto eq = entry.find('=');
        if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }

    // Flags are collected first so that --config can name the file layered under them.
    std::string config_file = env.count("STRATA_CONFIG") ? env["STRATA_CONFIG"] : "";
    std::vector<std::pair<std::string, std::string>> flags;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h")
            parsed.action = CliAction::Help;
        else if (arg == "--version")
            parsed.action = CliAction::Version;
        else if (arg == "--check-config")
            parsed.action = CliAction::CheckConfig;
        else if (arg.rfind("--", 0) == 0) {
            std::string name = arg, value;
            auto eq = arg.find('=');
            if (eq != std::string::npos) name = arg.substr(0, eq);
            // Before taking a value: "--typo" alone is unknown, not "needs a value", and
            // "--typo --help" must not swallow --help.
            if (name != "--config" &&
                std::none_of(specs.begin(), specs.end(),
                             [&](const OptionSpec& s) { return flag_name(s.key) == name; }))
                return make_error("unknown option " + name + " (see --help)");
            if (eq != std::string::npos) {
                value = arg.substr(eq + 1);
            } else if (i + 1 < argc) {
                value = argv[++i];
            } else {
                return make_error("option " + arg + " needs a value");
            }
            if (name == "--config")
                config_file = value;
            else
                flags.emplace_back(name, value);
        } else {
            parsed.positional.push_back(arg);
        }
    }

    if (!config_file.empty()) {
        auto loaded = ConfigLoader::load_file(config, config_file);
        if (!loaded) return loaded.error();
    }
    for (const auto& spec : specs) {
        auto it = env.find(env_name(spec.key));
        if (it == env.end()) continue;
        config.values_[spec.key] = it->second;
        config.sources_[spec.key] = "env";
    }
    for (const auto& [name, value] : flags) {
        const OptionSpec* spec = nullptr;
        for (const auto& s : specs)
            if (flag_name(s.key) == name) spec = &s;
        if (!spec) return make_error("unknown option " + name + " (see --help)");
        config.values_[spec->key] = value;
        config.sources_[spec->key] = "flag";
    }
    if (parsed.action == CliAction::Run || parsed.action == CliAction::CheckConfig) {
        for (const auto& spec : specs)
            if (spec.required && config.get(spec.key).empty())
                return make_error("missing required option " + spec.key + " (set " +
                                  env_name(spec.key) + " or " + flag_name(spec.key) + ")");
    }
    return parsed;
}

std::string usage_text(const std::string& program, const std::string& summary,
                       const std::vector<OptionSpec>& specs) {
    std::ostringstream out;
    out << "usage: " << program << " [--config FILE] [options]\n\n" << summary << "\n\n";
    out << "  --help            this text\n  --version         print the version\n"
        << "  --check-config    print the effective configuration (secrets masked) and exit\n"
        << "  --config FILE     YAML file of options (also STRATA_CONFIG)\n\n"
        << "Options (flag, environment variable, default):\n";
    for (const auto& s : specs) {
        out << "  " << flag_name(s.key) << "  (" << env_name(s.key) << ")";
        if (!s.default_value.empty()) out << "  [" << (s.secret ? "***" : s.default_value) << "]";
        if (s.required) out << "  required";
        out << "\n      " << s.help << '\n';
    }
    return out.str();
}

std::vector<OptionSpec> common_option_specs() {
    return {
        {"log_level", "info", "debug, info, warn or error"},
        {"amqp_url", "amqp://guest:guest@127.0.0.1:5672/", "RabbitMQ URL", true},
        {"amqp_exchange", "strata", "the durable topic exchange all messages go through"},
        {"redis_url", "redis://127.0.0.1:6379", "Redis URL", true},
        {"redis_prefix", "strata", "prefix of every Redis key this deployment of Strata uses"},
        {"http_host", "127.0.0.1", "address of the /healthz and /metrics listener"},
        {"http_port", "0", "port of the /healthz and /metrics listener (0: any free port)"},
        {"shutdown_deadline", "30s", "how long SIGTERM waits for work in hand to finish"},
    };
}

}  // namespace strata
