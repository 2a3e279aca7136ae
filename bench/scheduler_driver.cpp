// Driver of bench/scheduler.sh: enqueue -> dispatch decisions per second of the scheduler's
// Redis transitions (DeploymentStore, the Lua scripts the daemon runs) for many independent
// roots, against a Redis given on the command line. Per root and round: a merge deploy A is
// requested (dispatched at once), a second one B (queued behind A), A's executor reports
// succeeded (B is dispatched), B's reports succeeded. Each transition's outbox entries are
// rendered into the messages the daemon would publish and removed (XDEL), as the daemon does;
// only the broker is left out. Up to `window` transitions are in flight on one connection, as
// with the daemon's prefetch.
//
//   strata_scheduler_bench_driver REDIS_URL [ROOTS=1000] [ROUNDS=3] [WINDOW=32]
// Prints one line: "transitions=N dispatches=M seconds=S".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

#include <uv.h>

#include "deployment_store.hpp"
#include "outbox.hpp"
#include "strata/loop.hpp"
#include "strata/redis.hpp"

namespace {

using namespace strata;
using namespace strata::scheduler;

std::string revision(int n) {
    char buf[41];
    std::snprintf(buf, sizeof buf, "%040x", n);
    return buf;
}

struct Root {
    int index = 0;
    int step = 0;  // 0 request A, 1 request B, 2 A succeeded, 3 B succeeded; per round
    int round = 0;
    JobRun a, b;
};

class Driver {
public:
    Driver(Loop& loop, RedisClient& redis, int roots, int rounds, int window)
        : loop_(loop), store_(redis, "bench"), rounds_(rounds), window_(window) {
        for (int i = 0; i < roots; ++i) {
            roots_.push_back(Root{i});
            ready_.push_back(i);
        }
    }

    void run() {
        start_ = std::chrono::steady_clock::now();
        pump();
        loop_.run();
    }

    long long transitions = 0, dispatches = 0, failures = 0;
    double seconds = 0;

private:
    DeployRequested request(const Root& r, int which) {
        DeployRequested q;
        q.repo = {"bench/infra", "https://github.com/bench/infra.git", "main", 0};
        q.root = {"root" + std::to_string(r.index), "roots/" + std::to_string(r.index), "default",
                  ""};
        q.revision = revision(r.round * 2 + which + 1);
        q.ref = "refs/heads/main";
        q.trigger = "merge";
        q.user = "bench";
        return q;
    }

    void pump() {
        while (in_flight_ < window_ && !ready_.empty()) {
            int i = ready_.front();
            ready_.pop_front();
            step(roots_[i]);
        }
        if (in_flight_ == 0 && ready_.empty()) {
            seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
            loop_.stop();
        }
    }

    void step(Root& r) {
        ++in_flight_;
        auto id = [&](int which) {
            return "bench-" + std::to_string(r.index) + "-" + std::to_string(r.round) + "-" +
                   std::to_string(which);
        };
        auto done = [this, &r](Result<Transition> t) { after(r, std::move(t)); };
        switch (r.step) {
            case 0:
            case 1:
                store_.enqueue({id(r.step), "bench"}, id(r.step), request(r, r.step), policy_,
                               done);
                break;
            default: {
                const auto& job = r.step == 2 ? r.a : r.b;
                JobState s{job.job_id,        job.deployment_id,
                           job.fencing_token, "ex",
                           "succeeded",       "",
                           std::nullopt,      ""};
                store_.record_job_state({id(r.step) + "-state", "bench"}, s, done);
            }
        }
    }

    void after(Root& r, Result<Transition> t) {
        if (!t || t->status != "ok") {
            ++failures;
            std::fprintf(stderr, "transition failed: %s\n",
                         t ? t->status.c_str() : t.error().message.c_str());
        } else {
            ++transitions;
            std::vector<std::string> ids;
            for (const auto& entry : t->entries) {
                ids.push_back(entry.id);
                auto m = render_entry(entry, "");
                if (!m || m->kind != "job") continue;
                ++dispatches;
                auto job = strata::decode<JobRun>(m->message.body);
                if (job) (job->payload.deployment_id.back() == '0' ? r.a : r.b) = job->payload;
            }
            ++in_flight_;
            store_.outbox_done(ids, [this](Result<void>) {
                --in_flight_;
                pump();
            });
        }
        if (++r.step == 4) {
            r.step = 0;
            ++r.round;
        }
        if (r.round < rounds_) ready_.push_back(r.index);
        --in_flight_;
        pump();
    }

    Loop& loop_;
    DeploymentStore store_;
    RootPolicy policy_;
    int rounds_, window_;
    std::vector<Root> roots_;
    std::deque<int> ready_;
    int in_flight_ = 0;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s REDIS_URL [ROOTS] [ROUNDS] [WINDOW]\n", argv[0]);
        return 2;
    }
    int roots = argc > 2 ? std::atoi(argv[2]) : 1000;
    int rounds = argc > 3 ? std::atoi(argv[3]) : 3;
    int window = argc > 4 ? std::atoi(argv[4]) : 32;
    Loop loop;
    RedisClient redis(loop, RedisOptions{argv[1]});
    redis.connect();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!redis.healthy() && std::chrono::steady_clock::now() < deadline)
        uv_run(loop.raw(), UV_RUN_ONCE);
    if (!redis.healthy()) {
        std::fprintf(stderr, "connecting to %s: no answer\n", argv[1]);
        return 1;
    }
    Driver driver(loop, redis, roots, rounds, window);
    driver.run();
    redis.close();
    if (driver.failures) return 1;
    std::printf("transitions=%lld dispatches=%lld seconds=%.3f\n", driver.transitions,
                driver.dispatches, driver.seconds);
    return 0;
}
