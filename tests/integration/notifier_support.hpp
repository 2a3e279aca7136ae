// What the notifier's integration tests share: the GitHub/Slack/SNS test double
// (build/bin/strata-fake-api) as a child process steered over HTTP, and the notifier service
// itself, in this process on a Loop of the test's own, consuming from a unique exchange on the
// shared RabbitMQ with a unique Redis prefix.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "notifier_service.hpp"
#include "strata/amqp.hpp"
#include "strata/config.hpp"
#include "strata/daemon.hpp"
#include "strata/http_client.hpp"
#include "strata/http_server.hpp"
#include "strata/loop.hpp"
#include "strata/messages.hpp"
#include "strata/metrics.hpp"
#include "strata/redis.hpp"
#include "strata/topology.hpp"
#include "support/test_servers.hpp"

extern char** environ;

namespace strata::notifier_testing {

using nlohmann::json;
using namespace std::chrono_literals;

// strata-fake-api on a free port, stopped (SIGTERM, then reaped) on destruction.
class FakeApi {
public:
    explicit FakeApi(std::vector<std::string> extra = {}) {
        dir_ = std::filesystem::temp_directory_path() / testing::unique_name("fake-api");
        std::filesystem::create_directories(dir_);
        std::vector<std::string> args = {std::string(STRATA_BINARY_DIR) + "/bin/strata-fake-api",
                                         "--port",
                                         "0",
                                         "--record",
                                         (dir_ / "requests.jsonl").string(),
                                         "--timeline",
                                         (dir_ / "check-runs.log").string()};
        args.insert(args.end(), extra.begin(), extra.end());
        int out[2];
        if (pipe(out) != 0) throw std::runtime_error("pipe");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, (dir_ / "stderr.log").c_str(),
                                         O_WRONLY | O_CREAT | O_APPEND, 0644);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        close(out[1]);
        if (rc != 0) {
            close(out[0]);
            throw std::runtime_error("starting strata-fake-api (build it first)");
        }
        // Its first line is the port it listens on.
        std::string line;
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (line.find('\n') == std::string::npos &&
               std::chrono::steady_clock::now() < deadline) {
            pollfd p{out[0], POLLIN, 0};
            if (poll(&p, 1, 100) <= 0) continue;
            char buf[64];
            auto n = read(out[0], buf, sizeof buf);
            if (n <= 0) break;
            line.append(buf, static_cast<std::size_t>(n));
        }
        close(out[0]);
        port_ = std::atoi(line.c_str());
        if (port_ <= 0) throw std::runtime_error("strata-fake-api did not say its port");
    }
    ~FakeApi() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status = 0;
            waitpid(pid_, &status, 0);
        }
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    FakeApi(const FakeApi&) = delete;
    FakeApi& operator=(const FakeApi&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    json state() const {
        auto r = http_request_blocking({"GET", url() + "/_control/state", {}, "", 5s});
        if (!r || r->status != 200) return json::object();
        return json::parse(r->body, nullptr, false);
    }
    void control(const std::string& path, const json& body) const {
        auto r = http_request_blocking({"POST",
                                        url() + "/_control/" + path,
                                        {{"Content-Type", "application/json"}},
                                        body.dump(),
                                        5s});
        if (!r || r->status != 200)
            throw std::runtime_error("fake-api control " + path + " failed");
    }
    // Every request it answered, one JSON object per line (for failure messages).
    std::string recorded() const {
        std::ifstream in(dir_ / "requests.jsonl");
        std::ostringstream out;
        out << in.rdbuf();
        return out.str();
    }
    // The check run whose external_id is the deployment id (null when none).
    json check_run(const std::string& deployment_id) const {
        auto all = state();  // not state()["check_runs"] in the loop: a temporary
        for (const auto& run : all["check_runs"])
            if (run.value("external_id", "") == deployment_id) return run;
        return nullptr;
    }

private:
    std::filesystem::path dir_;
    pid_t pid_ = -1;
    int port_ = 0;
};

// The notifier service on the test's loop, with its own connections, as run_daemon sets it up.
class NotifierUnderTest {
public:
    NotifierUnderTest(Loop& loop, std::string exchange, std::string prefix,
                      std::map<std::string, std::string> options)
        : loop_(loop), exchange_(std::move(exchange)), prefix_(std::move(prefix)) {
        auto specs = common_option_specs();
        auto info = notifier::daemon_info();
        specs.insert(specs.end(), info.options.begin(), info.options.end());
        options["STRATA_AMQP_URL"] = testing::shared_amqp_url();
        options["STRATA_AMQP_EXCHANGE"] = exchange_;
        options["STRATA_REDIS_URL"] = testing::shared_redis_url();
        options["STRATA_REDIS_PREFIX"] = prefix_;
        std::vector<std::string> env;
        for (const auto& [k, v] : options) env.push_back(k + "=" + v);
        const char* argv[] = {"strata-notifier"};
        auto parsed = parse_command_line(specs, 1, argv, env);
        if (!parsed) throw std::runtime_error(parsed.error().message);
        config_ = std::make_unique<Config>(parsed->config);
        http_ = std::make_unique<HttpServer>(loop_, HttpServerOptions{});
        AmqpOptions amqp_options;
        amqp_options.url = testing::shared_amqp_url();
        amqp_options.exchange = exchange_;
        amqp_options.requeue_delay = 100ms;
        amqp_ = std::make_unique<AmqpClient>(loop_, amqp_options);
        redis_ = std::make_unique<RedisClient>(loop_, RedisOptions{testing::shared_redis_url()});
        auto service = notifier::make_service(*config_);
        if (!service) throw std::runtime_error(service.error().message);
        service_ = std::move(*service);
        ctx_ = std::make_unique<DaemonContext>(
            DaemonContext{loop_, *config_, metrics_, *http_, *amqp_, redis_.get()});
        if (auto ok = service_->setup(*ctx_); !ok) throw std::runtime_error(ok.error().message);
        for (auto spec : topology::all()) {
            if (amqp_->has_queue(spec.name)) continue;
            spec.consume = false;
            amqp_->declare(std::move(spec));
        }
        amqp_->start();
        redis_->connect();
        service_->started();
        if (!testing::run_until(
                loop_, [&] { return amqp_->healthy() && redis_->healthy(); }, 20s))
            throw std::runtime_error("the notifier did not connect");
    }

    ~NotifierUnderTest() { stop(); }

    // Graceful: stop consuming, drain, close (as SIGTERM does).
    void stop() {
        if (!service_) return;
        amqp_->stop_consuming();
        bool drained = false;
        service_->drain([&] { drained = true; });
        testing::run_until(
            loop_, [&] { return drained; }, 15s);
        amqp_->close(2s);
        redis_->close();
        service_.reset();
    }

    // Publishes like the scheduler does; waits for the broker's confirm.
    template <class T>
    Result<void> publish(const T& payload, const std::string& correlation = "test") {
        auto message = make_message(payload, Origin{"scheduler", correlation, ""});
        std::optional<Result<void>> sent;
        amqp_->publish({std::string(T::kType), encode(message), message.envelope.id, correlation},
                       [&](Result<void> r) { sent.emplace(std::move(r)); });
        if (!testing::run_until(
                loop_, [&] { return sent.has_value(); }, 10s))
            return make_error("publish timed out");
        return std::move(*sent);
    }

    Metrics& metrics() { return metrics_; }
    RedisClient& redis() { return *redis_; }
    const std::string& exchange() const { return exchange_; }

private:
    Loop& loop_;
    std::string exchange_;
    std::string prefix_;
    Metrics metrics_;
    std::unique_ptr<Config> config_;
    std::unique_ptr<HttpServer> http_;
    std::unique_ptr<AmqpClient> amqp_;
    std::unique_ptr<RedisClient> redis_;
    std::unique_ptr<Service> service_;
    std::unique_ptr<DaemonContext> ctx_;
};

// A deployment's state as the scheduler would publish it.
inline DeploymentState deployment(const std::string& id, const std::string& root = "network") {
    DeploymentState s;
    s.deployment_id = id;
    s.repo = {"acme/infra", "https://github.com/acme/infra.git", "main", 7};
    s.root = {root, "envs/" + root, "default", ""};
    s.revision = "1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5";
    s.kind = "deploy";
    s.trigger = "manual";
    s.user = "octocat";
    s.log_url = "https://strata.example/logs/" + id;
    s.updated_at = now_rfc3339();
    return s;
}

inline DeploymentState at(DeploymentState s, long long seq, const std::string& state) {
    s.seq = seq;
    s.state = state;
    s.updated_at = now_rfc3339();
    return s;
}

// Runs the loop until probe() (an HTTP call to the test double, say) holds, calling it at most
// every 50 ms so the loop keeps turning in between.
inline bool poll(Loop& loop, const std::function<bool()>& probe,
                 std::chrono::milliseconds deadline = 20s) {
    auto next = std::chrono::steady_clock::now();
    bool held = false;
    return testing::run_until(
        loop,
        [&] {
            if (held || std::chrono::steady_clock::now() < next) return held;
            held = probe();
            next = std::chrono::steady_clock::now() + 50ms;
            return held;
        },
        deadline);
}

// Deletes the test's queues from the shared broker (amqp-tools), best effort.
inline void delete_queues(const std::string& exchange) {
    std::string url = testing::shared_amqp_url();
    if (!url.empty() && url.back() == '/') url.pop_back();
    for (const char* q : {"planner", "scheduler", "executor.work", "notifier", "notifier.comments",
                          "notifier.slack", "notifier.sns"}) {
        for (const char* suffix : {"", ".dlq"}) {
            std::string cmd = "amqp-delete-queue --url '" + url + "' -q '" + exchange + "." + q +
                              suffix + "' >/dev/null 2>&1";
            (void)std::system(cmd.c_str());
        }
    }
}

}  // namespace strata::notifier_testing
