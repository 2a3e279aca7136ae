// The fixture of the tests that run the real strata-scheduler daemon (a child process) on the
// real broker and Redis: the test publishes what the planner, executors and people publish and
// reads what the scheduler publishes from the executors' and the notifier's queues.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>

#include "scheduler_harness.hpp"
#include "strata/amqp.hpp"
#include "strata/topology.hpp"
#include "support/child_process.hpp"
#include "support/test_servers.hpp"

namespace strata::scheduler::testing {

using namespace std::chrono_literals;
using strata::testing::ChildProcess;
using strata::testing::run_until;
using strata::testing::shared_amqp_url;
using strata::testing::shared_redis_url;
using strata::testing::unique_name;

// strata-scheduler as a child process in its own process group (tests/support); stderr goes
// to /tmp/<redis prefix>.log. kill_now() kills it with SIGKILL; start() again restarts it with
// the same settings. Killed when destroyed.
class Daemon {
public:
    explicit Daemon(std::map<std::string, std::string> env) : env_(std::move(env)) { start(); }

    void start() {
        child_.emplace(
            ChildProcess::daemon("scheduler", env_, "/tmp/" + env_.at("STRATA_REDIS_PREFIX")));
    }
    void kill_now() { child_.reset(); }

private:
    std::map<std::string, std::string> env_;
    std::optional<ChildProcess> child_;
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
