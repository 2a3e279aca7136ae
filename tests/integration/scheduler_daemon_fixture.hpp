// The fixture of the tests that run the real strata-scheduler daemon (a child process) on the
// real broker and Redis: the test publishes what the planner, executors and people publish and
// reads what the scheduler publishes from the executors' and the notifier's queues.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>

#include "scheduler_harness.hpp"
#include "strata/amqp.hpp"
#include "strata/topology.hpp"
#include "support/test_servers.hpp"

extern char** environ;

namespace strata::scheduler::testing {

using namespace std::chrono_literals;
using strata::testing::run_until;
using strata::testing::shared_amqp_url;
using strata::testing::shared_redis_url;
using strata::testing::unique_name;

// strata-scheduler as a child process in its own process group; killed (SIGKILL) when
// destroyed while running.
class Daemon {
public:
    explicit Daemon(std::map<std::string, std::string> env) : env_(std::move(env)) { start(); }
    ~Daemon() { kill_now(); }
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    void start() {
        std::vector<std::string> vars;
        for (char** e = environ; e && *e; ++e)
            if (std::string(*e).rfind("STRATA_", 0) != 0) vars.emplace_back(*e);
        for (const auto& [k, v] : env_) vars.push_back(k + "=" + v);
        std::vector<char*> envp;
        for (auto& v : vars) envp.push_back(v.data());
        envp.push_back(nullptr);
        std::string bin = std::string(STRATA_BINARY_DIR) + "/bin/strata-scheduler";
        std::string log = "/tmp/" + env_["STRATA_REDIS_PREFIX"] + ".log";
        pid_ = fork();
        if (pid_ == 0) {
            setpgid(0, 0);
            int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) dup2(fd, 2);
            char* argv[] = {bin.data(), nullptr};
            execve(bin.c_str(), argv, envp.data());
            _exit(127);
        }
        setpgid(pid_, pid_);
    }

    void kill_now() {
        if (pid_ <= 0) return;
        ::kill(-pid_, SIGKILL);
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
    }

private:
    std::map<std::string, std::string> env_;
    pid_t pid_ = -1;
};

class SchedulerDaemonTest : public ::testing::Test {
protected:
    void SetUp() override {
        AmqpOptions options;
        options.url = shared_amqp_url();
        options.exchange = exchange;
        amqp = std::make_unique<AmqpClient>(loop, options);
        auto collect = [this](const Delivery& d, std::shared_ptr<DeliveryControl> c) {
            received.push_back(d);
            c->ack();
        };
        amqp->declare(topology::executor_work(), collect);
        amqp->declare(topology::executor_own("ex1"), collect);
        amqp->declare(topology::notifier(), collect);
        auto scheduler_queue = topology::scheduler();  // so nothing published is unroutable
        scheduler_queue.consume = false;
        amqp->declare(scheduler_queue);
        amqp->start();
        ASSERT_TRUE(run_until(
            loop, [&] { return amqp->healthy(); }, 30s));
        auto vars = env(shared_redis_url());
        for (const auto& [k, v] : extra_env) vars[k] = v;
        daemon = std::make_unique<Daemon>(vars);
    }

    std::map<std::string, std::string> env(const std::string& redis_url) {
        return {{"STRATA_AMQP_URL", shared_amqp_url()},
                {"STRATA_AMQP_EXCHANGE", exchange},
                {"STRATA_REDIS_URL", redis_url},
                {"STRATA_REDIS_PREFIX", prefix},
                {"STRATA_HTTP_PORT", "0"},
                {"STRATA_SWEEP_INTERVAL", "200ms"},
                {"STRATA_LEASE_TIMEOUT", "1s"},
                {"STRATA_OUTBOX_GRACE", "1s"},
                {"STRATA_LOG_LEVEL", "info"}};
    }
    // More environment for the daemon: set before SetUp starts it.
    std::map<std::string, std::string> extra_env;

    void TearDown() override {
        daemon.reset();
        amqp->close(2s);
    }

    template <class T>
    void publish(const T& payload, const std::string& id) {
        bool done = false, ok = false;
        amqp->publish({std::string(T::kType),
                       encode(make_message(payload, Origin{"test", id, ""}, id)),
                       id,
                       id,
                       "application/json",
                       {}},
                      [&](Result<void> r) {
                          done = true;
                          ok = r.ok();
                      });
        ASSERT_TRUE(run_until(loop, [&] { return done; }));
        ASSERT_TRUE(ok);
    }

    // Messages of a type received so far (deduplicated by message id), decoded.
    template <class T>
    std::vector<std::pair<std::string, T>> got() {
        std::vector<std::pair<std::string, T>> out;
        std::set<std::string> ids;
        for (const auto& d : received) {
            if (d.routing_key.rfind(std::string(T::kType), 0) != 0) continue;
            if (!ids.insert(d.message_id).second) continue;
            auto m = strata::decode<T>(d.body);
            if (m) out.emplace_back(d.routing_key, m->payload);
        }
        return out;
    }

    // Waits for a deployment.state of deployment id in that state.
    bool wait_state(const std::string& id, const std::string& state,
                    std::chrono::milliseconds deadline = 20s) {
        return run_until(
            loop,
            [&] {
                for (const auto& [key, s] : got<DeploymentState>())
                    if (s.deployment_id == id && s.state == state) return true;
                return false;
            },
            deadline);
    }

    std::optional<JobRun> wait_job(const std::string& id, const std::string& kind,
                                   std::chrono::milliseconds deadline = 20s) {
        std::optional<JobRun> job;
        run_until(
            loop,
            [&] {
                for (const auto& [key, j] : got<JobRun>())
                    if (j.deployment_id == id && j.kind == kind) job = j;
                return job.has_value();
            },
            deadline);
        return job;
    }

    void report(const JobRun& job, const std::string& state, const std::string& order = "",
                std::optional<PlanSummary> plan = {}) {
        publish(StoreHarness::report(job, "ex1", state, order, std::move(plan)),
                derived_uuid("job-state|" + job.job_id + "|" + state));
    }

    Loop loop;
    std::string exchange = unique_name("sched-daemon");
    std::string prefix = unique_name("sched-daemon");
    std::unique_ptr<AmqpClient> amqp;
    std::unique_ptr<Daemon> daemon;
    std::vector<Delivery> received;
};

}  // namespace strata::scheduler::testing
