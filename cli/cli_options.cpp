#include "cli_options.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace strata::cli {
namespace {

const std::map<std::string, std::set<std::string>> kCommandFlags = {
    {"deploy", {"--repo", "--root", "--rev", "--branch", "--reason", "--force"}},
    {"unlock", {"--repo", "--root", "--reason"}},
    {"confirm", {"--deployment", "--repo", "--root", "--reason"}},
    {"reject", {"--deployment", "--repo", "--root", "--reason"}},
    {"status", {"--repo", "--root"}},
};

bool is_command_flag(const std::string& name) {
    return std::any_of(kCommandFlags.begin(), kCommandFlags.end(),
                       [&](const auto& c) { return c.second.count(name) > 0; });
}

std::string env_value(const std::vector<std::string>& environ, const std::string& name) {
    for (const auto& e : environ)
        if (e.rfind(name + "=", 0) == 0) return e.substr(name.size() + 1);
    return "";
}

Result<void> set_once(std::string& field, const std::string& flag, const std::string& value) {
    if (!field.empty()) return make_error(flag + " is given twice");
    if (value.empty()) return make_error(flag + " needs a value");
    field = value;
    return {};
}

Result<void> check_command(CliRequest& r) {
    const auto& c = r.command;
    if (r.repo.empty() && (c != "confirm" && c != "reject"))
        return make_error("strata " + c + " needs --repo owner/name");
    if (c == "deploy") {
        if (r.roots.empty()) return make_error("strata deploy needs --root NAME (one or more)");
        if (!r.rev.empty() && !r.branch.empty())
            return make_error("give --rev or --branch, not both");
        std::transform(r.rev.begin(), r.rev.end(), r.rev.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    } else if (c == "unlock") {
        if (r.roots.size() != 1) return make_error("strata unlock needs exactly one --root NAME");
    } else if (c == "confirm" || c == "reject") {
        bool by_root = !r.repo.empty() || !r.roots.empty();
        if (r.deployment.empty() == !by_root ||
            (by_root && (r.repo.empty() || r.roots.size() != 1)))
            return make_error("strata " + c +
                              " needs --deployment ID, or --repo owner/name and one --root NAME");
    }
    if (c != "status" && r.config.get("user").empty())
        return make_error("who is asking? set --user NAME (or $USER, or STRATA_USER)");
    return {};
}

}  // namespace

std::vector<OptionSpec> cli_option_specs(const std::vector<std::string>& environ) {
    return {
        {"amqp_url", "amqp://guest:guest@127.0.0.1:5672/", "RabbitMQ URL", true},
        {"amqp_exchange", "strata", "the pipeline's topic exchange"},
        {"redis_url", "redis://127.0.0.1:6379", "Redis URL (status)", true},
        {"redis_prefix", "strata", "prefix of the pipeline's Redis keys (status)"},
        {"user", env_value(environ, "USER"), "who asks; recorded with the trigger (default $USER)"},
        {"timeout", "10s", "how long to wait for the broker's confirm or Redis' answers"},
        {"log_level", "error", "debug, info, warn or error (client library messages)"},
    };
}

std::string cli_usage(const std::vector<std::string>& environ) {
    std::string commands =
        "Publishes manual triggers to Strata's RabbitMQ exchange (with publisher confirms) and "
        "shows the deployment queues.\n\n"
        "Commands:\n"
        "  strata deploy  --repo o/r --root NAME [--root NAME2]... [--rev SHA | --branch B]\n"
        "                 [--reason TEXT] [--force]\n"
        "  strata unlock  --repo o/r --root NAME [--reason TEXT]\n"
        "  strata confirm (--deployment ID | --repo o/r --root NAME) [--reason TEXT]\n"
        "  strata reject  (--deployment ID | --repo o/r --root NAME) [--reason TEXT]\n"
        "  strata status  --repo o/r [--root NAME]...\n\n"
        "Exit status: 0 done, 1 the broker or Redis could not be used (the reason is printed), "
        "2 usage error.";
    return usage_text("strata <command>", commands, cli_option_specs(environ));
}

Result<CliRequest> parse_cli(int argc, const char* const* argv,
                             const std::vector<std::string>& environ) {
    CliRequest r;
    std::vector<std::string> rest = {argc > 0 ? argv[0] : "strata"};
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto eq = arg.find('=');
        std::string name = arg.substr(0, eq);
        if (arg.rfind("-", 0) != 0) {
            if (!r.command.empty()) return make_error("unexpected argument '" + arg + "'");
            if (!kCommandFlags.count(arg))
                return make_error("unknown command '" + arg +
                                  "' (deploy, unlock, confirm, reject, status; see --help)");
            r.command = arg;
            continue;
        }
        if (!is_command_flag(name)) {
            rest.push_back(arg);  // a configuration flag: its value, if separate, goes with it
            bool bare =
                name == "--help" || name == "-h" || name == "--version" || name == "--check-config";
            if (!bare && eq == std::string::npos && i + 1 < argc) rest.push_back(argv[++i]);
            continue;
        }
        if (r.command.empty())
            return make_error("the command comes first: strata <command> " + name);
        if (!kCommandFlags.at(r.command).count(name))
            return make_error("strata " + r.command + " takes no " + name);
        if (name == "--force") {
            if (eq != std::string::npos) return make_error("--force takes no value");
            r.force = true;
            continue;
        }
        std::string value;
        if (eq != std::string::npos) {
            value = arg.substr(eq + 1);
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return make_error(name + " needs a value");
        }
        Result<void> set;
        if (name == "--root") {
            if (value.empty()) return make_error("--root needs a value");
            r.roots.push_back(value);
        } else if (name == "--repo") {
            set = set_once(r.repo, name, value);
        } else if (name == "--rev") {
            set = set_once(r.rev, name, value);
        } else if (name == "--branch") {
            set = set_once(r.branch, name, value);
        } else if (name == "--reason") {
            set = set_once(r.reason, name, value);
        } else if (name == "--deployment") {
            set = set_once(r.deployment, name, value);
        }
        if (!set) return set.error();
    }
    std::vector<const char*> args;
    for (const auto& a : rest) args.push_back(a.c_str());
    auto parsed = parse_command_line(cli_option_specs(environ), static_cast<int>(args.size()),
                                     args.data(), environ);
    if (!parsed) return parsed.error();
    if (!parsed->positional.empty())
        return make_error("unexpected argument '" + parsed->positional.front() + "'");
    r.action = parsed->action;
    r.config = std::move(parsed->config);
    if (r.action == CliAction::Help || r.action == CliAction::Version) return r;
    if (r.command.empty())
        return make_error("no command given (deploy, unlock, confirm, reject, status; see --help)");
    if (auto ok = check_command(r); !ok) return ok.error();
    return r;
}

}  // namespace strata::cli
