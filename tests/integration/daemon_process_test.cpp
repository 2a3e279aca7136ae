// The five daemons as real processes (build/bin/strata-<name>): their command line (--help,
// --version, --check-config, unknown flags), /healthz and /metrics once connected, a clean exit
// on SIGTERM; and each of them riding out a RabbitMQ outage and a Redis outage, then doing its
// work again.
//
// Children run in their own process group with stdout and stderr in files of a temporary
// directory; a ChildProcess that is still running when it goes out of scope (a failed ASSERT)
// has its group killed, so no daemon outlives its test.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "strata/crypto.hpp"
#include "strata/daemon.hpp"
#include "strata/http_client.hpp"
#include "support/child_process.hpp"
#include "support/test_servers.hpp"

namespace strata {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::child_environment;
using testing::ChildProcess;
using testing::daemon_binary;
using testing::free_port;
using testing::unique_name;

const std::vector<std::string> kDaemons = {"ingest", "planner", "scheduler", "executor",
                                           "notifier"};

// Polls pred every `interval` until it holds or the deadline passes; returns pred().
bool poll_until(const std::function<bool()>& pred, std::chrono::milliseconds deadline,
                std::chrono::milliseconds interval = 50ms) {
    auto end = Clock::now() + deadline;
    while (!pred()) {
        if (Clock::now() >= end) return pred();
        std::this_thread::sleep_for(interval);
    }
    return true;
}

// A temporary directory, removed with everything in it on destruction.
class TempDir {
public:
    explicit TempDir(const std::string& prefix) {
        std::string templ =
            (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
        if (mkdtemp(templ.data()) == nullptr)
            throw std::system_error(errno, std::generic_category(), "creating " + templ);
        path_ = templ;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

struct RunResult {
    std::optional<int> exit_code;  // nullopt: it did not finish within the deadline
    std::string out, err;
};

// Runs the daemon with args to completion (bounded by a deadline).
RunResult run_to_exit(const std::string& name, const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env, const TempDir& dir) {
    std::vector<std::string> argv{daemon_binary(name)};
    argv.insert(argv.end(), args.begin(), args.end());
    static int runs = 0;
    std::string base = dir / (name + "-run" + std::to_string(++runs));
    ChildProcess child(argv, child_environment(env), base + ".out", base + ".err");
    RunResult result;
    result.exit_code = child.wait_exit(15s);
    result.out = child.out();
    result.err = child.err();
    return result;
}

struct Health {
    int status = 0;  // 0: no answer
    std::string body;
};

Health get(int port, const std::string& path) {
    HttpClientRequest req;
    req.url = "http://127.0.0.1:" + std::to_string(port) + path;
    req.timeout = 2s;
    auto resp = http_request_blocking(req);
    if (!resp) return {0, resp.error().message};
    return {resp->status, resp->body};
}

// Polls GET /healthz until it answers `status`; the last answer.
Health wait_for_health(int port, int status, std::chrono::milliseconds deadline) {
    Health last;
    poll_until(
        [&] {
            last = get(port, "/healthz");
            return last.status == status;
        },
        deadline, 100ms);
    return last;
}

// Values a test can recognise in output: none of them may ever be printed.
const std::string kWebhookSecret = "whsec-7d1c9e0b4a52f3e8";
const std::string kGithubToken = "ghp_testtoken9f8e7d6c5b4a";
const std::string kTerraformSecret = "TF_VAR_db_password=tfpw-0a1b2c3d4e";
const std::string kAmqpPassword = "amqp-pw-5e6f7a8b9c";

// The environment a daemon needs, besides the common connection settings.
std::map<std::string, std::string> daemon_env(const std::string& name, const TempDir& dir) {
    std::map<std::string, std::string> env;
    if (name == "ingest") env["STRATA_WEBHOOK_SECRET"] = kWebhookSecret;
    if (name == "planner") {
        env["STRATA_CACHE_DIR"] = dir / "planner-mirrors";
        env["STRATA_GITHUB_TOKEN"] = kGithubToken;
    }
    if (name == "executor") {
        env["STRATA_EXECUTOR_ID"] = unique_name("executor");
        env["STRATA_CACHE_DIR"] = dir / "executor-mirrors";
        env["STRATA_WORK_DIR"] = dir / "executor-work";
        env["STRATA_TERRAFORM_BIN"] = STRATA_SOURCE_DIR "/tools/fake-terraform";
        env["STRATA_TERRAFORM_ENV"] = kTerraformSecret;
    }
    if (name == "notifier") {
        env["STRATA_GITHUB_API_URL"] = "http://127.0.0.1:9";  // never called: nothing to notify
        env["STRATA_GITHUB_TOKEN"] = kGithubToken;
    }
    return env;
}

std::map<std::string, std::string> connection_env(const std::string& amqp_url,
                                                  const std::string& redis_url, int http_port) {
    return {
        {"STRATA_AMQP_URL", amqp_url},
        {"STRATA_REDIS_URL", redis_url},
        {"STRATA_AMQP_EXCHANGE", unique_name("daemon-test")},
        {"STRATA_REDIS_PREFIX", unique_name("daemon-test")},
        {"STRATA_HTTP_PORT", std::to_string(http_port)},
        {"STRATA_LOG_LEVEL", "info"},
        {"STRATA_SHUTDOWN_DEADLINE", "5s"},
    };
}

template <class Map>
Map merged(Map a, const Map& b) {
    for (const auto& [k, v] : b) a[k] = v;
    return a;
}

// ---- the command line, for each daemon --------------------------------------------------------

class DaemonCommandLine : public ::testing::TestWithParam<std::string> {
protected:
    RunResult run(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& extra_env = {}) {
        auto env = merged(daemon_env(name, dir), extra_env);
        return run_to_exit(name, args, env, dir);
    }

    std::string name = GetParam();
    TempDir dir{"strata-daemon-cli"};
};

TEST_P(DaemonCommandLine, HelpPrintsUsageAndExitsZero) {
    auto r = run({"--help"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("usage: strata-" + name), std::string::npos) << r.out;
    for (const char* flag :
         {"--version", "--check-config", "--config FILE", "--amqp-url", "--http-port"})
        EXPECT_NE(r.out.find(flag), std::string::npos) << "no " << flag << " in:\n" << r.out;
    EXPECT_NE(r.out.find("STRATA_AMQP_URL"), std::string::npos) << r.out;
}

TEST_P(DaemonCommandLine, VersionPrintsTheVersionAndExitsZero) {
    auto r = run({"--version"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "strata-" + name + " " + strata_version() + "\n");
    EXPECT_FALSE(strata_version().empty());
}

TEST_P(DaemonCommandLine, CheckConfigPrintsTheConfigWithSecretsMaskedAndExitsZero) {
    // A password in the broker URL is a secret for every daemon; nothing connects here.
    auto r = run({"--check-config"},
                 {{"STRATA_AMQP_URL", "amqp://strata:" + kAmqpPassword + "@127.0.0.1:5672/"},
                  {"STRATA_HTTP_PORT", "18080"},
                  {"STRATA_AMQP_EXCHANGE", "check-config-exchange"}});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    for (const auto& secret : {kWebhookSecret, kGithubToken, kTerraformSecret, kAmqpPassword,
                               std::string("tfpw-0a1b2c3d4e")}) {
        EXPECT_EQ(r.out.find(secret), std::string::npos) << "secret printed:\n" << r.out;
        EXPECT_EQ(r.err.find(secret), std::string::npos) << "secret printed:\n" << r.err;
    }
    EXPECT_NE(r.out.find("amqp_url = ***"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("http_port = 18080  # env"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("amqp_exchange = check-config-exchange"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("log_level = info  # default"), std::string::npos) << r.out;
    std::string masked = name == "ingest"      ? "webhook_secret = ***"
                         : name == "executor"  ? "terraform_env = ***"
                         : name == "scheduler" ? "amqp_url = ***"
                                               : "github_token = ***";
    EXPECT_NE(r.out.find(masked), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("configuration is valid"), std::string::npos) << r.out;
}

TEST_P(DaemonCommandLine, UnknownFlagExitsNonZeroWithAClearMessage) {
    for (const std::vector<std::string>& args : {std::vector<std::string>{"--no-such-flag"},
                                                 {"--no-such-flag=1"},
                                                 {"--no-such-flag", "1"},
                                                 {"--no-such-flag", "--help"}}) {
        auto r = run(args);
        std::string what =
            "strata-" + name + " " + args.front() + (args.size() > 1 ? " " + args[1] : "");
        ASSERT_TRUE(r.exit_code.has_value()) << what << ": still running";
        EXPECT_NE(*r.exit_code, 0) << what;
        EXPECT_NE(r.err.find("unknown option --no-such-flag"), std::string::npos)
            << what << ": stderr was:\n"
            << r.err;
        EXPECT_EQ(r.out.find("usage:"), std::string::npos) << what;
    }
}

TEST_P(DaemonCommandLine, StrayArgumentExitsNonZeroWithAClearMessage) {
    auto r = run({"-x"});
    ASSERT_TRUE(r.exit_code.has_value()) << "strata-" << name << " -x: still running";
    EXPECT_NE(*r.exit_code, 0);
    EXPECT_NE(r.err.find("-x"), std::string::npos) << r.err;
}

TEST(IngestCommandLine, MissingWebhookSecretExitsNonZeroNamingTheSetting) {
    TempDir dir("strata-daemon-cli");
    auto r = run_to_exit("ingest", {"--check-config"}, {{"STRATA_WEBHOOK_SECRET", ""}}, dir);
    ASSERT_TRUE(r.exit_code.has_value());
    EXPECT_NE(*r.exit_code, 0);
    EXPECT_NE(r.err.find("webhook_secret"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("STRATA_WEBHOOK_SECRET"), std::string::npos) << r.err;
}

// ---- running for real, for each daemon --------------------------------------------------------

class DaemonRunning : public DaemonCommandLine {};

TEST_P(DaemonRunning, AnswersHealthAndMetricsOnceConnectedAndExitsZeroOnSigterm) {
    int port = free_port();
    auto env = merged(connection_env(testing::shared_amqp_url(), testing::shared_redis_url(), port),
                      daemon_env(name, dir));
    ChildProcess daemon({daemon_binary(name)}, child_environment(env), dir / "daemon.out",
                        dir / "daemon.err");

    auto health = wait_for_health(port, 200, 30s);
    ASSERT_EQ(health.status, 200) << "strata-" << name
                                  << " never became healthy; last answer: " << health.body
                                  << "\nstderr:\n"
                                  << daemon.err();
    auto body = nlohmann::json::parse(health.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << health.body;
    EXPECT_EQ(body.value("status", ""), "ok") << health.body;
    EXPECT_EQ(body.value("amqp", false), true) << health.body;
    // The planner does not use Redis.
    EXPECT_EQ(body["redis"], name == "planner" ? nlohmann::json(nullptr) : nlohmann::json(true))
        << health.body;

    auto metrics = get(port, "/metrics");
    ASSERT_EQ(metrics.status, 200) << metrics.body;
    EXPECT_NE(metrics.body.find("# TYPE "), std::string::npos) << metrics.body;
    EXPECT_NE(metrics.body.find("# HELP "), std::string::npos) << metrics.body;
    EXPECT_NE(metrics.body.find("strata_up 1"), std::string::npos) << metrics.body;

    daemon.signal(SIGTERM);
    auto code = daemon.wait_exit(15s);
    ASSERT_TRUE(code.has_value()) << "strata-" << name << " still runs 15 s after SIGTERM";
    EXPECT_EQ(*code, 0) << daemon.err();
    for (const auto& secret : {kWebhookSecret, kGithubToken, std::string("tfpw-0a1b2c3d4e")})
        EXPECT_EQ(daemon.err().find(secret), std::string::npos) << "secret logged:\n"
                                                                << daemon.err();
}

std::string daemon_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

INSTANTIATE_TEST_SUITE_P(EveryDaemon, DaemonCommandLine, ::testing::ValuesIn(kDaemons),
                         daemon_name);
INSTANTIATE_TEST_SUITE_P(EveryDaemon, DaemonRunning, ::testing::ValuesIn(kDaemons), daemon_name);

// ---- outages --------------------------------------------------------------------------------

// The part of a growing log written since `from` (a size taken earlier).
std::string log_since(const ChildProcess& daemon, std::size_t from) {
    auto all = daemon.err();
    return all.size() > from ? all.substr(from) : "";
}

// Runs a shell command; true when it exits 0.
bool shell_ok(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

std::string tool_url(std::string url) {  // amqp-tools want no trailing slash
    if (url.ends_with('/')) url.pop_back();
    return url;
}

// A routing key each consuming daemon takes, and the queue it consumes it from.
struct Consumed {
    std::string routing_key, queue;
};
std::optional<Consumed> consumed_by(const std::string& name) {
    if (name == "planner") return Consumed{"event.push", "planner"};
    if (name == "scheduler") return Consumed{"deploy.requested", "scheduler"};
    if (name == "executor") return Consumed{"job.run", "executor.work"};
    if (name == "notifier") return Consumed{"deployment.state", "notifier"};
    return std::nullopt;  // ingest consumes nothing: its work comes by HTTP
}

// Whether the daemon does its work again: ingest answers a signed webhook 202 (so the broker
// confirmed its publish); a consumer takes a message off its queue again, seen as a body it
// cannot decode arriving in the queue's dead-letter queue (nothing else moves it there).
::testing::AssertionResult does_its_work(const std::string& name, int port,
                                         const std::string& amqp_url, const std::string& exchange) {
    if (name == "ingest") {
        HttpClientRequest req;
        req.method = "POST";
        req.url = "http://127.0.0.1:" + std::to_string(port) + "/events";
        req.body = R"({"zen":"Keep it logically awesome.","hook_id":7,)"
                   R"("repository":{"full_name":"acme/infra"}})";
        req.headers = {
            {"Content-Type", "application/json"},
            {"X-GitHub-Event", "ping"},
            {"X-GitHub-Delivery", unique_name("delivery")},
            {"X-Hub-Signature-256", "sha256=" + hmac_sha256_hex(kWebhookSecret, req.body)}};
        auto resp = http_request_blocking(req);
        if (!resp) return ::testing::AssertionFailure() << "POST /events: " << resp.error().message;
        if (resp->status != 202)
            return ::testing::AssertionFailure()
                   << "POST /events answered " << resp->status << ": " << resp->body;
        return ::testing::AssertionSuccess();
    }
    auto consumed = consumed_by(name);
    auto url = tool_url(amqp_url);
    if (!shell_ok("amqp-publish --url '" + url + "' -e '" + exchange + "' -r '" +
                  consumed->routing_key + "' -p -b 'not a message'"))
        return ::testing::AssertionFailure() << "amqp-publish to " << exchange << " failed";
    auto dlq = exchange + "." + consumed->queue + ".dlq";
    if (!poll_until([&] { return shell_ok("amqp-get --url '" + url + "' -q '" + dlq + "'"); }, 30s,
                    200ms))
        return ::testing::AssertionFailure() << "nothing reached " << dlq << " within 30 s";
    return ::testing::AssertionSuccess();
}

class DaemonOutages : public DaemonCommandLine {};

TEST_P(DaemonOutages, BrokerAndRedisOutagesAreLoggedReportedUnhealthyAndRiddenOut) {
    auto redis = testing::RedisServer::start();
    auto rabbit = testing::RabbitServer::start();
    int port = free_port();
    auto env = merged(connection_env(rabbit.url(), redis.url(), port), daemon_env(name, dir));
    auto exchange = env["STRATA_AMQP_EXCHANGE"];
    ChildProcess daemon({daemon_binary(name)}, child_environment(env), dir / "daemon.out",
                        dir / "daemon.err");

    auto health = wait_for_health(port, 200, 30s);
    ASSERT_EQ(health.status, 200) << health.body << "\n" << daemon.err();
    ASSERT_TRUE(does_its_work(name, port, rabbit.url(), exchange)) << daemon.err();

    // server goes away and comes back: the daemon logs it (the log names `word`), reports
    // unhealthy (`"<key>":false` in /healthz), is healthy again once it is back, and works.
    auto ride_out = [&](testing::TestServer& server, const std::string& key,
                        const std::string& word) {
        auto mark = daemon.err().size();
        server.stop();
        auto health = wait_for_health(port, 503, 30s);
        ASSERT_EQ(health.status, 503)
            << "still healthy with " << word << " stopped: " << health.body;
        EXPECT_NE(health.body.find("\"" + key + "\":false"), std::string::npos) << health.body;
        EXPECT_NE(health.body.find("\"status\":\"unhealthy\""), std::string::npos) << health.body;
        EXPECT_TRUE(poll_until(
            [&] { return log_since(daemon, mark).find(word) != std::string::npos; }, 10s))
            << "the log does not mention " << word << ":\n"
            << log_since(daemon, mark);
        server.restart();
        health = wait_for_health(port, 200, 60s);
        ASSERT_EQ(health.status, 200)
            << "not healthy again after " << word << " came back: " << health.body << "\n"
            << log_since(daemon, mark);
        EXPECT_TRUE(does_its_work(name, port, rabbit.url(), exchange)) << log_since(daemon, mark);
    };
    ride_out(rabbit, "amqp", "broker");
    if (HasFatalFailure()) return;
    if (name != "planner") ride_out(redis, "redis", "redis");  // the planner does not use Redis
    if (HasFatalFailure()) return;

    daemon.signal(SIGTERM);
    auto code = daemon.wait_exit(15s);
    ASSERT_TRUE(code.has_value()) << "strata-" << name << " still runs 15 s after SIGTERM";
    EXPECT_EQ(*code, 0) << daemon.err();
}

INSTANTIATE_TEST_SUITE_P(EveryDaemon, DaemonOutages, ::testing::ValuesIn(kDaemons), daemon_name);

}  // namespace
}  // namespace strata
