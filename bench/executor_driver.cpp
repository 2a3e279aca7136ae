// bench/executor.sh's driver: plays the scheduler's side of the job protocol against running
// executors (writes each deployment's fence, publishes job.run, reads job.state) and times it.
//
//   overhead AMQP EXCHANGE REDIS PREFIX CLONE_URL REVISION ROOT N
//       N plan jobs of ROOT at REVISION, one after another (the first warms the mirror and is
//       not counted; each waits until the executor's work dir, $STRATA_BENCH_WORK_DIR, is empty
//       again); prints the latency of each from publish to `planned`:
//       "jobs=N mean_ms=... median_ms=... min_ms=..."
//       With $STRATA_BENCH_BASELINE set, that shell command (every "{i}" replaced by the job's
//       number) runs after each job and is timed too, so that both see the same machine load
//       (a shared machine's load swings by several times within a minute):
//       "... baseline_mean_ms=... baseline_median_ms=..."
//   drain AMQP EXCHANGE REDIS PREFIX CLONE_URL REVISION ROOT_PREFIX M
//       M deployments of roots ROOT_PREFIX1..M published at once: each deploy job planned, then
//       its apply sent to the executor holding the plan; prints "deployments=M seconds=..." once
//       every apply succeeded.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strata/amqp.hpp"
#include "strata/loop.hpp"
#include "strata/messages.hpp"
#include "strata/redis.hpp"
#include "strata/topology.hpp"

using namespace strata;
using Clock = std::chrono::steady_clock;

namespace {

struct Bench {
    Bench(const std::string& amqp_url, const std::string& exchange, const std::string& redis_url,
          std::string prefix_)
        : prefix(std::move(prefix_)),
          amqp(loop, options(amqp_url, exchange)),
          redis(loop, RedisOptions{redis_url}) {
        auto work = topology::executor_work();
        work.consume = false;
        amqp.declare(work);
        amqp.declare(topology::scheduler(), [this](const Delivery& d, auto control) {
            control->ack();
            if (d.routing_key != "job.state") return;
            if (auto m = decode<JobState>(d.body)) on_state(m->payload);
        });
        amqp.start();
        redis.connect();
        run_until([&] { return amqp.healthy() && redis.healthy(); }, std::chrono::seconds(30));
    }

    static AmqpOptions options(const std::string& url, const std::string& exchange) {
        AmqpOptions o;
        o.url = url;
        o.exchange = exchange;
        o.connection_name = "executor-bench";
        return o;
    }

    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds deadline) {
        auto end = Clock::now() + deadline;
        Timer poll(loop);
        poll.start_repeating(std::chrono::milliseconds(2), [&] {
            if (done() || Clock::now() >= end) loop.stop();
        });
        if (!done()) loop.run();
        return done();
    }

    // Writes the deployment's fence, then publishes the job.
    void dispatch(const JobRun& job, const std::string& routing_key = "job.run") {
        auto publish = [this, job, routing_key] {
            auto id = derived_uuid("job|" + job.job_id + "|1");
            amqp.publish({routing_key,
                          encode(make_message(job, Origin{"bench", job.job_id, ""}, id)),
                          id,
                          job.job_id,
                          "application/json",
                          {}},
                         [](Result<void> r) {
                             if (!r)
                                 std::fprintf(stderr, "publish failed: %s\n",
                                              r.error().message.c_str());
                         });
        };
        if (routing_key != "job.run") return publish();
        redis.command({"HSET", prefix + ":dep:" + job.deployment_id, "fence",
                       std::to_string(job.fencing_token), "state", "queued"},
                      [publish](Result<RedisReply>) { publish(); });
    }

    void on_state(const JobState& s) {
        if (s.state == "failed" || s.state == "released")
            std::fprintf(stderr, "job %s %s: %s\n", s.job_id.c_str(), s.state.c_str(),
                         s.detail.c_str());
        if (on_job_state) on_job_state(s);
    }

    Loop loop;
    std::string prefix;
    AmqpClient amqp;
    RedisClient redis;
    std::function<void(const JobState&)> on_job_state;
};

JobRun make_job(const std::string& dep, const std::string& kind, const std::string& url,
                const std::string& revision, const std::string& root) {
    JobRun j;
    j.deployment_id = dep;
    j.fencing_token = 1;
    j.job_id = dep + ":1";
    j.kind = kind;
    j.repo.full_name = "bench/infra";
    j.repo.clone_url = url;
    j.repo.default_branch = "main";
    j.root.name = root;
    j.root.dir = root;
    j.revision = revision;
    return j;
}

struct Stats {
    double mean = 0, median = 0, min = 0;
};

Stats stats_of(std::vector<double> ms) {
    if (ms.empty()) return {};
    std::sort(ms.begin(), ms.end());
    double sum = 0;
    for (double v : ms) sum += v;
    return {sum / static_cast<double>(ms.size()), ms[ms.size() / 2], ms.front()};
}

// Runs the baseline command of job i; its time in ms, or a negative number when it failed.
double run_baseline(std::string command, int i) {
    for (auto at = command.find("{i}"); at != std::string::npos; at = command.find("{i}", at))
        command.replace(at, 3, std::to_string(i));
    auto start = Clock::now();
    int rc = std::system(command.c_str());
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    return rc == 0 ? ms : -1;
}

int overhead(Bench& b, const std::string& url, const std::string& rev, const std::string& root,
             int n, const std::string& work_dir, const std::string& baseline) {
    std::vector<double> ms, base_ms;
    for (int i = 0; i <= n; ++i) {
        auto job = make_job(new_uuid(), "plan", url, rev, root);
        bool planned = false;
        b.on_job_state = [&](const JobState& s) {
            if (s.job_id == job.job_id && (s.state == "planned" || s.state == "failed"))
                planned = true;
        };
        auto start = Clock::now();
        b.dispatch(job);
        if (!b.run_until([&] { return planned; }, std::chrono::minutes(2))) return 1;
        if (i > 0)
            ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        // The executor removes the job's work dir after `planned`: let it, so that the next job
        // is timed on its own.
        b.run_until([&] { return work_dir.empty() || std::filesystem::is_empty(work_dir); },
                    std::chrono::seconds(60));
        if (i > 0 && !baseline.empty()) {
            double t = run_baseline(baseline, i);
            if (t < 0) {
                std::fprintf(stderr, "the baseline command failed: %s\n", baseline.c_str());
                return 1;
            }
            base_ms.push_back(t);
        }
    }
    auto job = stats_of(ms);
    std::printf("jobs=%d mean_ms=%.1f median_ms=%.1f min_ms=%.1f", n, job.mean, job.median,
                job.min);
    if (!base_ms.empty()) {
        auto base = stats_of(base_ms);
        std::printf(" baseline_mean_ms=%.1f baseline_median_ms=%.1f", base.mean, base.median);
    }
    std::printf("\n");
    return 0;
}

int drain(Bench& b, const std::string& url, const std::string& rev, const std::string& prefix,
          int m) {
    std::map<std::string, JobRun> jobs;
    int succeeded = 0, failed = 0;
    b.on_job_state = [&](const JobState& s) {
        auto it = jobs.find(s.deployment_id);
        if (it == jobs.end()) return;
        if (s.job_id == it->second.job_id && s.state == "planned") {
            JobRun apply = it->second;
            apply.kind = "apply";
            apply.job_id += ":apply";
            b.dispatch(apply, "job.run." + s.executor_id);
        } else if (s.state == "succeeded") {
            ++succeeded;
        } else if (s.state == "failed") {
            ++failed;
        }
    };
    auto start = Clock::now();
    for (int i = 1; i <= m; ++i) {
        auto job = make_job(new_uuid(), "deploy", url, rev, prefix + std::to_string(i));
        jobs[job.deployment_id] = job;
        b.dispatch(job);
    }
    if (!b.run_until([&] { return succeeded + failed == m; }, std::chrono::minutes(20))) return 1;
    double s = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("deployments=%d failed=%d seconds=%.2f\n", m, failed, s);
    return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 10) {
        std::fprintf(stderr,
                     "usage: %s overhead|drain AMQP EXCHANGE REDIS PREFIX CLONE_URL REVISION "
                     "ROOT|ROOT_PREFIX N\n",
                     argv[0]);
        return 2;
    }
    std::string mode = argv[1];
    Bench b(argv[2], argv[3], argv[4], argv[5]);
    int n = std::atoi(argv[9]);
    const char* work_dir = std::getenv("STRATA_BENCH_WORK_DIR");  // the executor's, for overhead
    const char* baseline = std::getenv("STRATA_BENCH_BASELINE");
    int rc = mode == "overhead" ? overhead(b, argv[6], argv[7], argv[8], n,
                                           work_dir ? work_dir : "", baseline ? baseline : "")
                                : drain(b, argv[6], argv[7], argv[8], n);
    b.amqp.close(std::chrono::seconds(2));
    b.redis.close();
    b.loop.close();
    return rc;
}
