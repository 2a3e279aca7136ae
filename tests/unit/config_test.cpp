// Configuration layering (defaults < YAML file < STRATA_* environment < flags), the command-line
// actions, validation errors and durations.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "strata/config.hpp"

namespace strata {
namespace {

using namespace std::chrono_literals;

std::vector<OptionSpec> specs() {
    return {
        {"amqp_url", "amqp://localhost/", "RabbitMQ URL"},
        {"log_level", "info", "log level"},
        {"http_port", "0", "port"},
        {"webhook_secret", "", "GitHub webhook secret", /*secret=*/true, /*required=*/true},
        {"dedupe_ttl", "7d", "how long a delivery id is remembered"},
        {"verbose", "false", "chatty"},
    };
}

// A YAML file in a fresh temporary directory, removed with the test.
class TempYaml {
public:
    explicit TempYaml(const std::string& content) {
        std::string tmpl = ::testing::TempDir() + "strata-config-test-XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        dir_ = mkdtemp(buf.data());
        path_ = dir_ + "/strata.yaml";
        std::ofstream(path_) << content;
    }
    ~TempYaml() {
        ::unlink(path_.c_str());
        ::rmdir(dir_.c_str());
    }
    const std::string& path() const { return path_; }

private:
    std::string dir_;
    std::string path_;
};

Result<ParsedCommandLine> parse(std::vector<std::string> args, std::vector<std::string> env = {},
                                std::vector<OptionSpec> options = specs()) {
    args.insert(args.begin(), "strata-test");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    return parse_command_line(options, static_cast<int>(args.size()), argv.data(), env);
}

// The required secret, so that parsing succeeds unless a test is about it.
const std::vector<std::string> kBaseEnv = {"STRATA_WEBHOOK_SECRET=hunter2"};

std::vector<std::string> env_with(std::vector<std::string> extra) {
    extra.insert(extra.end(), kBaseEnv.begin(), kBaseEnv.end());
    return extra;
}

TEST(Config, DefaultsApplyWhenNothingElseIsGiven) {
    auto parsed = parse({}, kBaseEnv);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->action, CliAction::Run);
    EXPECT_EQ(parsed->config.get("log_level"), "info");
    EXPECT_EQ(parsed->config.source("log_level"), "default");
    EXPECT_EQ(parsed->config.get("amqp_url"), "amqp://localhost/");
}

TEST(Config, YamlFileOverridesDefaults) {
    TempYaml file("log_level: debug\nhttp_port: 9100\n");
    auto parsed = parse({"--config", file.path()}, kBaseEnv);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->config.get("log_level"), "debug");
    EXPECT_EQ(parsed->config.source("log_level"), "file");
    EXPECT_EQ(*parsed->config.get_int("http_port"), 9100);
    EXPECT_EQ(parsed->config.source("amqp_url"), "default");
}

TEST(Config, StrataConfigEnvironmentVariableNamesTheYamlFile) {
    TempYaml file("log_level: warn\n");
    auto parsed = parse({}, env_with({"STRATA_CONFIG=" + file.path()}));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->config.get("log_level"), "warn");
}

TEST(Config, EnvironmentOverridesTheYamlFile) {
    TempYaml file("log_level: debug\nhttp_port: 9100\n");
    auto parsed = parse({"--config", file.path()}, env_with({"STRATA_LOG_LEVEL=error"}));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->config.get("log_level"), "error");
    EXPECT_EQ(parsed->config.source("log_level"), "env");
    EXPECT_EQ(parsed->config.get("http_port"), "9100");
}

TEST(Config, FlagsOverrideEnvironmentAndFile) {
    TempYaml file("log_level: debug\n");
    auto parsed = parse({"--config=" + file.path(), "--log-level", "warn", "--http-port=8080"},
                        env_with({"STRATA_LOG_LEVEL=error", "STRATA_HTTP_PORT=1"}));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->config.get("log_level"), "warn");
    EXPECT_EQ(parsed->config.source("log_level"), "flag");
    EXPECT_EQ(parsed->config.get("http_port"), "8080");
}

TEST(Config, UnrelatedEnvironmentEntriesAreIgnored) {
    auto parsed = parse({}, env_with({"PATH=/bin", "STRATA_NOT_AN_OPTION=x", "NO_EQUALS_SIGN"}));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->config.get("log_level"), "info");
}

TEST(Config, PositionalArgumentsAreKept) {
    auto parsed = parse({"deploy", "--log-level", "debug", "network"}, kBaseEnv);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->positional, (std::vector<std::string>{"deploy", "network"}));
}

TEST(Config, UnknownFlagIsAnError) {
    auto parsed = parse({"--no-such-option", "1"}, kBaseEnv);
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().message.find("unknown option --no-such-option"), std::string::npos)
        << parsed.error().message;
}

TEST(Config, FlagWithoutValueIsAnError) {
    auto parsed = parse({"--log-level"}, kBaseEnv);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message, "option --log-level needs a value");
}

TEST(Config, UnknownYamlKeyIsAnErrorNamingFileAndLine) {
    TempYaml file("log_level: debug\n\nno_such_key: 1\n");
    auto parsed = parse({"--config", file.path()}, kBaseEnv);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message,
              "reading config file " + file.path() + ":3: unknown key 'no_such_key'");
}

TEST(Config, NonScalarYamlValueIsAnErrorNamingFileAndLine) {
    TempYaml file("log_level:\n  - debug\n");
    auto parsed = parse({"--config", file.path()}, kBaseEnv);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message,
              "reading config file " + file.path() + ":1: 'log_level' must be a scalar");
}

TEST(Config, NonStringYamlKeyIsAnErrorNotACrash) {
    TempYaml file("[log_level]: debug\n");
    auto parsed = parse({"--config", file.path()}, kBaseEnv);
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().message.find(file.path()), std::string::npos)
        << parsed.error().message;
}

TEST(Config, YamlThatIsNotAMappingIsAnError) {
    TempYaml file("- a\n- b\n");
    auto parsed = parse({"--config", file.path()}, kBaseEnv);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message, "reading config file " + file.path() + ": not a mapping");
}

TEST(Config, MalformedYamlIsAnErrorNamingTheFile) {
    TempYaml file("log_level: [unclosed\n");
    auto parsed = parse({"--config", file.path()}, kBaseEnv);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message.rfind("reading config file " + file.path(), 0), 0u)
        << parsed.error().message;
}

TEST(Config, MissingYamlFileIsAnErrorNamingTheFile) {
    auto parsed = parse({"--config", "/nonexistent/strata.yaml"}, kBaseEnv);
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().message.find("/nonexistent/strata.yaml"), std::string::npos)
        << parsed.error().message;
}

TEST(Config, EmptyYamlFileChangesNothing) {
    TempYaml file("");
    auto parsed = parse({"--config", file.path()}, kBaseEnv);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->config.get("log_level"), "info");
}

TEST(Config, MissingRequiredOptionIsAnErrorSayingHowToSetIt) {
    auto parsed = parse({});
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message,
              "missing required option webhook_secret (set STRATA_WEBHOOK_SECRET or "
              "--webhook-secret)");
}

TEST(Config, RequiredOptionSetToEmptyIsStillMissing) {
    auto parsed = parse({"--webhook-secret="});
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().message.find("missing required option webhook_secret"),
              std::string::npos);
}

TEST(Config, CheckConfigStillRequiresRequiredOptions) {
    auto parsed = parse({"--check-config"});
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().message.find("webhook_secret"), std::string::npos);
}

TEST(Config, HelpVersionAndCheckConfigAreActions) {
    auto help = parse({"--help"});  // no required option needed for help
    ASSERT_TRUE(help.ok()) << help.error().message;
    EXPECT_EQ(help->action, CliAction::Help);

    auto short_help = parse({"-h"});
    ASSERT_TRUE(short_help.ok());
    EXPECT_EQ(short_help->action, CliAction::Help);

    auto version = parse({"--version"});
    ASSERT_TRUE(version.ok()) << version.error().message;
    EXPECT_EQ(version->action, CliAction::Version);

    auto check = parse({"--check-config"}, kBaseEnv);
    ASSERT_TRUE(check.ok()) << check.error().message;
    EXPECT_EQ(check->action, CliAction::CheckConfig);
}

TEST(Config, UsageTextListsFlagsEnvironmentAndMasksSecretDefaults) {
    std::vector<OptionSpec> options = specs();
    options.push_back({"api_token", "default-token-value", "token", true});
    auto text = usage_text("strata-test", "Does things.", options);
    EXPECT_NE(text.find("usage: strata-test"), std::string::npos);
    EXPECT_NE(text.find("--check-config"), std::string::npos);
    EXPECT_NE(text.find("--webhook-secret  (STRATA_WEBHOOK_SECRET)"), std::string::npos) << text;
    EXPECT_NE(text.find("[7d]"), std::string::npos);
    EXPECT_EQ(text.find("default-token-value"), std::string::npos) << text;
}

TEST(Config, SecretsAreMaskedInCheckConfig) {
    auto parsed = parse({"--check-config"}, {"STRATA_WEBHOOK_SECRET=hunter2-sup3r-secret"});
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    auto text = parsed->config.describe();
    EXPECT_EQ(text.find("hunter2-sup3r-secret"), std::string::npos) << text;
    EXPECT_NE(text.find("webhook_secret = ***  # env"), std::string::npos) << text;
    EXPECT_NE(text.find("log_level = info  # default"), std::string::npos) << text;
    EXPECT_EQ(parsed->config.secret_values(), std::vector<std::string>{"hunter2-sup3r-secret"});
}

TEST(Config, UnsetSecretIsShownEmptyInCheckConfig) {
    std::vector<OptionSpec> options = {{"slack_token", "", "token", true}};
    auto parsed = parse({"--check-config"}, {}, options);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->config.describe(), "slack_token =   # default\n");
    EXPECT_TRUE(parsed->config.secret_values().empty());
}

TEST(Config, IntegersAndBooleansAreParsedStrictly) {
    auto parsed = parse({"--http-port", "80x", "--verbose", "YES"}, kBaseEnv);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    auto port = parsed->config.get_int("http_port");
    ASSERT_FALSE(port.ok());
    EXPECT_EQ(port.error().message, "http_port: expected an integer, got '80x'");
    auto verbose = parsed->config.get_bool("verbose");
    ASSERT_TRUE(verbose.ok());
    EXPECT_TRUE(*verbose);

    auto bad = parse({"--verbose", "maybe"}, kBaseEnv);
    ASSERT_TRUE(bad.ok());
    EXPECT_FALSE(bad->config.get_bool("verbose").ok());
}

TEST(Config, DurationsAcceptEveryDocumentedUnit) {
    EXPECT_EQ(*parse_duration("500ms"), 500ms);
    EXPECT_EQ(*parse_duration("5s"), 5s);
    EXPECT_EQ(*parse_duration("2m"), 2min);
    EXPECT_EQ(*parse_duration("1h"), 1h);
    EXPECT_EQ(*parse_duration("7d"), std::chrono::hours(7 * 24));
    EXPECT_EQ(*parse_duration("30"), 30s);
    EXPECT_EQ(*parse_duration("0s"), 0ms);
}

TEST(Config, MalformedDurationsAreErrors) {
    for (const char* bad : {"", "s", "5x", "-5s", "1.5s", "5 s", " 5s", "5S", "5sec", "ms"}) {
        auto d = parse_duration(bad);
        EXPECT_FALSE(d.ok()) << "'" << bad << "' parsed as " << d->count() << "ms";
    }
    EXPECT_EQ(parse_duration("5x").error().message, "unknown duration unit in '5x'");
}

TEST(Config, HugeDurationsAreErrorsNotExceptions) {
    for (const char* huge : {"99999999999999999999s", "9223372036854775807d", "999999999999999h"}) {
        Result<std::chrono::milliseconds> d = std::chrono::milliseconds(0);
        EXPECT_NO_THROW(d = parse_duration(huge)) << huge;
        EXPECT_FALSE(d.ok()) << huge << " parsed as " << d->count() << "ms";
    }
}

TEST(Config, DurationOptionErrorNamesTheKey) {
    auto parsed = parse({"--dedupe-ttl", "soon"}, kBaseEnv);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    auto d = parsed->config.get_duration("dedupe_ttl");
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().message.rfind("dedupe_ttl: ", 0), 0u) << d.error().message;

    auto def = parse({}, kBaseEnv);
    ASSERT_TRUE(def.ok());
    EXPECT_EQ(*def->config.get_duration("dedupe_ttl"), std::chrono::hours(7 * 24));
}

TEST(Config, CommonOptionsMarkUrlsWithCredentialsAsSecret) {
    auto common = common_option_specs();
    for (const char* key : {"amqp_url", "redis_url"}) {
        auto it = std::find_if(common.begin(), common.end(),
                               [&](const OptionSpec& s) { return s.key == key; });
        ASSERT_NE(it, common.end()) << key;
        EXPECT_TRUE(it->secret) << key;
    }
}

}  // namespace
}  // namespace strata
